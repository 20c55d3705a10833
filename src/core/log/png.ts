/**
 * A minimal PNG encoder (8-bit RGB, no interlace; PNG spec, ISO/IEC 15948, sections 5 and 11): signature, IHDR,
 * one zlib-deflated IDAT with filter type 0 on every row, IEND; CRC-32 of each chunk as in its Annex D.
 */
import { deflateSync } from 'zlib';

/** The CRC-32 table of the PNG spec (polynomial 0xEDB88320), built once per encoder. */
function crcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** Creates an encoder: (width, height, rgb row-major, 3 bytes per pixel) -> PNG file bytes. */
export function createPngEncoder(): (width: number, height: number, rgb: Uint8Array) => Buffer {
  const table = crcTable();
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = table[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length, 0);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body), 0);
    return Buffer.concat([length, body, sum]);
  };
  return (width, height, rgb) => {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
      throw new Error(`PNG size must be positive integers, got ${width}x${height}`);
    if (rgb.length !== width * height * 3)
      throw new Error(`expected ${width * height * 3} RGB bytes for ${width}x${height}, got ${rgb.length}`);
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header[8] = 8; // bit depth
    header[9] = 2; // colour type: RGB
    const raw = Buffer.alloc((width * 3 + 1) * height);
    for (let y = 0; y < height; y++) {
      raw[y * (width * 3 + 1)] = 0; // filter: none
      raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
    }
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  };
}
