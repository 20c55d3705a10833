/**
 * The requantisation loop as a small WebAssembly SIMD function that works in place on the TensorFlow.js WASM
 * backend's own memory (imported, so no copy): for each pixel, for each group of 4 channels,
 * `min(max(nearest(acc · multiplier), low), high)`. `f32x4.mul` rounds the product to float32 and
 * `f32x4.nearest` rounds half to even, which is exactly XNNPACK's fp32 requantisation.
 *
 * The module is encoded here, opcode by opcode (about 120 bytes; no assembler needed at build time).
 */

/** requantize(acc, multipliers, out, pixels, channels, low, high): byte offsets; channels a multiple of 4. */
export type RequantizeFunction = (
  acc: number,
  multipliers: number,
  out: number,
  pixels: number,
  channels: number,
  low: number,
  high: number,
) => void;

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Shl: 0x74,
  simd: 0xfd,
} as const;
/** SIMD opcodes (after the 0xfd prefix), LEB128-encoded. */
const simd = {
  load: [0x00],
  store: [0x0b],
  f32x4Splat: [0x13],
  f32x4Nearest: [0x6a],
  f32x4Mul: [0xe6, 0x01],
  f32x4Min: [0xe8, 0x01],
  f32x4Max: [0xe9, 0x01],
} as const;

function name(text: string): number[] {
  return [text.length, ...Buffer.from(text, 'latin1')];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function uleb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value) byte |= 0x80;
    bytes.push(byte);
  } while (value);
  return bytes;
}

/** The module's bytes. */
export function requantizeModuleBytes(): Uint8Array<ArrayBuffer> {
  // Parameters 0-6 as in RequantizeFunction; locals: 7 c (i32), 8 lowV, 9 highV (v128).
  const [ACC, MUL, OUT, PIXELS, CHANNELS, LOW, HIGH, C, LOWV, HIGHV] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const get = (i: number) => [op.localGet, i];
  const set = (i: number) => [op.localSet, i];
  const simdOp = (code: readonly number[], ...memarg: number[]) => [op.simd, ...code, ...memarg];
  const body = [
    // locals: 1 x i32, 2 x v128
    2,
    1,
    I32,
    2,
    V128,
    ...get(LOW),
    ...simdOp(simd.f32x4Splat),
    ...set(LOWV),
    ...get(HIGH),
    ...simdOp(simd.f32x4Splat),
    ...set(HIGHV),
    // channels in bytes
    ...get(CHANNELS),
    op.i32Const,
    2,
    op.i32Shl,
    ...set(CHANNELS),
    op.block,
    0x40,
    ...get(PIXELS),
    op.i32Eqz,
    op.brIf,
    0,
    op.loop,
    0x40,
    op.i32Const,
    0,
    ...set(C),
    op.loop,
    0x40,
    // out + c
    ...get(OUT),
    ...get(C),
    op.i32Add,
    // min(max(nearest(load(acc + c) * load(mul + c)), low), high)
    ...get(ACC),
    ...get(C),
    op.i32Add,
    ...simdOp(simd.load, 0, 0),
    ...get(MUL),
    ...get(C),
    op.i32Add,
    ...simdOp(simd.load, 0, 0),
    ...simdOp(simd.f32x4Mul),
    ...simdOp(simd.f32x4Nearest),
    ...get(LOWV),
    ...simdOp(simd.f32x4Max),
    ...get(HIGHV),
    ...simdOp(simd.f32x4Min),
    ...simdOp(simd.store, 0, 0),
    // c += 16 while c < channels bytes
    ...get(C),
    op.i32Const,
    16,
    op.i32Add,
    ...set(C),
    ...get(C),
    ...get(CHANNELS),
    op.i32LtU,
    op.brIf,
    0,
    op.end,
    // next pixel
    ...get(ACC),
    ...get(CHANNELS),
    op.i32Add,
    ...set(ACC),
    ...get(OUT),
    ...get(CHANNELS),
    op.i32Add,
    ...set(OUT),
    ...get(PIXELS),
    op.i32Const,
    0x7f, // -1
    op.i32Add,
    ...set(PIXELS),
    ...get(PIXELS),
    op.brIf,
    0,
    op.end,
    op.end,
    op.end,
  ];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 7, I32, I32, I32, I32, I32, F32, F32, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x01]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('requantize'), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ];
  return new Uint8Array(bytes);
}

/** Instantiates the function over `memory`, or gives undefined where WebAssembly SIMD is not available. */
export function instantiateRequantize(memory: WebAssembly.Memory): RequantizeFunction | undefined {
  const bytes = requantizeModuleBytes();
  if (!WebAssembly.validate(bytes)) return undefined;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return instance.exports.requantize as RequantizeFunction;
}
