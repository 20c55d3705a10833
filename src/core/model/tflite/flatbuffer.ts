/**
 * A minimal read-only FlatBuffers accessor (the binary format of google/flatbuffers, "FlatBuffers internals"):
 * a table starts with a signed offset back to its vtable; the vtable lists, per field, the field's offset inside
 * the table (0 = absent, the schema default applies); offsets to sub-tables, vectors and strings are unsigned and
 * relative to where they are stored; a vector is a uint32 length followed by its elements. Little-endian throughout.
 */

/** One table of a FlatBuffer, read field by field (fields are numbered as in the schema, from 0). */
export class FlatTable {
  constructor(
    private readonly view: DataView,
    private readonly position: number,
  ) {}

  /** The root table of a buffer. */
  static root(bytes: Uint8Array): FlatTable {
    if (bytes.byteLength < 8) throw new Error(`a FlatBuffer needs at least 8 bytes, got ${bytes.byteLength}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new FlatTable(view, checked(view, view.getUint32(0, true)));
  }

  private fieldPosition(field: number): number {
    const vtable = this.position - this.view.getInt32(this.position, true);
    const vtableSize = this.view.getUint16(vtable, true);
    const slot = 4 + 2 * field;
    if (slot + 2 > vtableSize) return 0;
    const offset = this.view.getUint16(vtable + slot, true);
    return offset === 0 ? 0 : this.position + offset;
  }

  has(field: number): boolean {
    return this.fieldPosition(field) !== 0;
  }

  uint8(field: number, fallback = 0): number {
    const at = this.fieldPosition(field);
    return at ? this.view.getUint8(at) : fallback;
  }

  int8(field: number, fallback = 0): number {
    const at = this.fieldPosition(field);
    return at ? this.view.getInt8(at) : fallback;
  }

  bool(field: number, fallback = false): boolean {
    const at = this.fieldPosition(field);
    return at ? this.view.getUint8(at) !== 0 : fallback;
  }

  int32(field: number, fallback = 0): number {
    const at = this.fieldPosition(field);
    return at ? this.view.getInt32(at, true) : fallback;
  }

  uint32(field: number, fallback = 0): number {
    const at = this.fieldPosition(field);
    return at ? this.view.getUint32(at, true) : fallback;
  }

  /** A uint64 field as a JavaScript number (exact below 2^53, which covers every offset and size in a file). */
  uint64(field: number, fallback = 0): number {
    const at = this.fieldPosition(field);
    return at ? Number(this.view.getBigUint64(at, true)) : fallback;
  }

  private target(field: number): number {
    const at = this.fieldPosition(field);
    return at ? checked(this.view, at + this.view.getUint32(at, true)) : 0;
  }

  table(field: number): FlatTable | undefined {
    const at = this.target(field);
    return at ? new FlatTable(this.view, at) : undefined;
  }

  string(field: number): string | undefined {
    const at = this.target(field);
    if (!at) return undefined;
    const length = this.view.getUint32(at, true);
    const start = this.view.byteOffset + at + 4;
    return Buffer.from(this.view.buffer, start, checkedLength(this.view, at + 4, length)).toString('utf8');
  }

  private vectorAt(field: number): { start: number; length: number } | undefined {
    const at = this.target(field);
    if (!at) return undefined;
    return { start: at + 4, length: this.view.getUint32(at, true) };
  }

  tables(field: number): FlatTable[] {
    const vector = this.vectorAt(field);
    if (!vector) return [];
    checkedLength(this.view, vector.start, vector.length * 4);
    const out: FlatTable[] = [];
    for (let i = 0; i < vector.length; i++) {
      const at = vector.start + 4 * i;
      out.push(new FlatTable(this.view, checked(this.view, at + this.view.getUint32(at, true))));
    }
    return out;
  }

  int32s(field: number): number[] {
    const vector = this.vectorAt(field);
    if (!vector) return [];
    checkedLength(this.view, vector.start, vector.length * 4);
    return Array.from({ length: vector.length }, (_, i) => this.view.getInt32(vector.start + 4 * i, true));
  }

  float32s(field: number): number[] {
    const vector = this.vectorAt(field);
    if (!vector) return [];
    checkedLength(this.view, vector.start, vector.length * 4);
    return Array.from({ length: vector.length }, (_, i) => this.view.getFloat32(vector.start + 4 * i, true));
  }

  int64s(field: number): number[] {
    const vector = this.vectorAt(field);
    if (!vector) return [];
    checkedLength(this.view, vector.start, vector.length * 8);
    return Array.from({ length: vector.length }, (_, i) =>
      Number(this.view.getBigInt64(vector.start + 8 * i, true)),
    );
  }

  /** A byte vector as a view into the buffer (no copy). */
  bytes(field: number): Uint8Array | undefined {
    const vector = this.vectorAt(field);
    if (!vector) return undefined;
    checkedLength(this.view, vector.start, vector.length);
    return new Uint8Array(this.view.buffer, this.view.byteOffset + vector.start, vector.length);
  }
}

function checked(view: DataView, position: number): number {
  if (position <= 0 || position >= view.byteLength) {
    throw new Error(`FlatBuffer offset ${position} lies outside the ${view.byteLength}-byte buffer`);
  }
  return position;
}

function checkedLength(view: DataView, start: number, length: number): number {
  if (start + length > view.byteLength) {
    throw new Error(
      `FlatBuffer vector of ${length} bytes at ${start} runs past the ${view.byteLength}-byte buffer`,
    );
  }
  return length;
}
