import * as zlib from 'node:zlib';
import { FileFormatError, InputError } from '../util/errors';
import { readFileBytes } from '../util/read-file';

/**
 * IDX files (the MNIST / Fashion-MNIST container, http://yann.lecun.com/exdb/mnist/):
 * bytes 0-1 zero, byte 2 element type, byte 3 number of dims, then one big-endian uint32 per
 * dim, then the elements row-major. Only unsigned bytes (type 0x08) are supported: every image
 * and label file we read uses them.
 */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;
const MAX_DIMS = 4;
const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** Reads an IDX file, gunzipping it first when it starts with the gzip magic 0x1f 0x8b. */
export function readIdx(file: string): IdxArray {
  return parseIdx(maybeGunzip(readFileBytes(file), file), file);
}

/** True when `bytes` start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The most bytes a gzipped IDX file may expand to: far above any MNIST-style file (47 MB), and
 * a bound on what a corrupt or hostile gzip stream can make us allocate.
 */
export const MAX_GUNZIPPED_BYTES = 2 ** 30;

/** Gunzips gzip data; other bytes pass through. A zlib failure or an oversized output names the file. */
export function maybeGunzip(bytes: Uint8Array, file: string, maxBytes = MAX_GUNZIPPED_BYTES): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return zlib.gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new FileFormatError(file, `gzip data expands to more than ${maxBytes} bytes`);
    }
    throw new FileFormatError(file, `corrupt gzip data (${(err as Error).message})`);
  }
}

/** Parses IDX bytes; `file` only names the source in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw new FileFormatError(file, `${bytes.length} bytes is too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FileFormatError(file, `bad IDX magic: first two bytes are ${hex(bytes[0])} ${hex(bytes[1])}, expected 0x00 0x00`);
  }
  const type = bytes[2];
  if (type !== UNSIGNED_BYTE) {
    const known = TYPE_NAMES[type] ? `${TYPE_NAMES[type]} ` : 'unknown ';
    throw new FileFormatError(file, `IDX element type code ${hex(type)} (${known}type) is not supported; only ${hex(UNSIGNED_BYTE)} (unsigned byte) is`);
  }
  const ndim = bytes[3];
  if (ndim < 1 || ndim > MAX_DIMS) throw new FileFormatError(file, `IDX header has ${ndim} dims; expected 1 to ${MAX_DIMS}`);
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new FileFormatError(file, `truncated IDX header: ${ndim} dims need ${headerBytes} bytes, file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  if (dims.some((d) => d === 0)) throw new FileFormatError(file, `IDX dims [${dims.join(', ')}] contain a zero`);
  // A double holds the product exactly up to 2^53 and stays far above any real file size beyond
  // that, so comparing against the bytes present is safe before anything is allocated.
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual < expected) {
    throw new FileFormatError(file, `truncated IDX data: dims [${dims.join(', ')}] need ${expected} bytes, found ${actual}`);
  }
  if (actual > expected) {
    throw new FileFormatError(file, `${actual - expected} trailing bytes after IDX data: dims [${dims.join(', ')}] need ${expected} bytes, found ${actual}`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Encodes unsigned bytes as an IDX file (used to write small test files). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  if (dims.length < 1 || dims.length > MAX_DIMS) throw new InputError(`IDX needs 1 to ${MAX_DIMS} dims, got ${dims.length}`);
  if (dims.some((d) => !Number.isInteger(d) || d < 1 || d > 0xffffffff)) {
    throw new InputError(`IDX dims must be integers in [1, 2^32), got [${dims.join(', ')}]`);
  }
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new InputError(`IDX dims [${dims.join(', ')}] need ${size} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(out.buffer);
  out[2] = UNSIGNED_BYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}
