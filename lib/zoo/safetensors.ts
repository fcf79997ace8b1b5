/**
 * Reads and writes safetensors files of float32 tensors, the format PyTorch users load with
 * `safetensors.torch.load_file`: an 8-byte little-endian header length N, N bytes of JSON header
 * (see safetensors-header.ts), then the raw little-endian tensor data.
 */
import * as fs from 'node:fs';
import { formatShape, shapeSize, type NamedArray } from '../params/types';
import { writeFileAtomic } from '../util/atomic-write';
import { FileFormatError, InputError } from '../util/errors';
import { encodeHeader, METADATA_KEY, parseHeader } from './safetensors-header';

/** Largest header accepted, as in the reference implementation: a bigger one is corruption, not data. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface SafetensorsContents {
  /** Tensors in data order. Their arrays are views into one buffer. */
  tensors: NamedArray[];
  metadata: Record<string, string>;
}

const LENGTH_PREFIX_BYTES = 8;
const hostIsLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The file's bytes, in pieces (the tensor data is not copied on little-endian hosts).
 * Tensors are laid out sorted by name, so the same tensors always give the same bytes.
 */
export function encodeSafetensors(
  tensors: readonly NamedArray[],
  metadata: Record<string, string> = {},
): Uint8Array[] {
  const names = new Set<string>();
  for (const { name, shape, data } of tensors) {
    if (name === METADATA_KEY || names.has(name)) throw new InputError(`tensor name "${name}" is reserved or repeated`);
    names.add(name);
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0) || data.length !== shapeSize(shape)) {
      throw new InputError(`tensor "${name}" has ${data.length} values, which does not fit shape ${formatShape(shape)}`);
    }
  }
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const json = new TextEncoder().encode(encodeHeader(sorted, metadata));
  // The reference writer pads the header with spaces so the data starts 8-byte aligned.
  const header = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  header.set(json);
  const prefix = new Uint8Array(LENGTH_PREFIX_BYTES);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(header.length), true);
  return [prefix, header, ...sorted.map(({ data }) => littleEndianBytes(data))];
}

/** Writes tensors atomically: readers see the old file or the new one, never a torn one. */
export function writeSafetensors(
  file: string,
  tensors: readonly NamedArray[],
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

/**
 * Reads a safetensors file of F32 tensors. The length prefix and header are checked against the
 * file size before anything large is allocated; every problem is a FileFormatError naming the file.
 */
export function readSafetensors(file: string): SafetensorsContents {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new FileFormatError(file, `cannot open (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const fileSize = fs.fstatSync(fd).size;
    if (fileSize < LENGTH_PREFIX_BYTES) {
      throw new FileFormatError(file, `too short: ${fileSize} bytes, a safetensors file starts with an 8-byte header length`);
    }
    const declared = new DataView(readAt(file, fd, 0, LENGTH_PREFIX_BYTES).buffer).getBigUint64(0, true);
    if (declared > BigInt(MAX_HEADER_BYTES)) {
      const problem = `header length ${declared} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt length prefix?)`;
      throw new FileFormatError(file, problem);
    }
    const headerLength = Number(declared);
    if (headerLength > fileSize - LENGTH_PREFIX_BYTES) {
      throw new FileFormatError(
        file,
        `truncated: header declares ${headerLength} bytes of header, ` +
          `file has ${fileSize - LENGTH_PREFIX_BYTES} after the length prefix`,
      );
    }
    const dataStart = LENGTH_PREFIX_BYTES + headerLength;
    const headerBytes = readAt(file, fd, LENGTH_PREFIX_BYTES, headerLength);
    const { tensors, metadata } = parseHeader(file, headerBytes, fileSize - dataStart);
    // Tensors tile the data section and are all F32, so every offset is 4-byte aligned.
    const data = readAt(file, fd, dataStart, fileSize - dataStart);
    if (!hostIsLittleEndian) swapBytes32(data);
    return {
      tensors: tensors.map(({ name, shape, begin, end }) => ({
        name,
        shape,
        data: new Float32Array(data.buffer, begin, (end - begin) / 4),
      })),
      metadata,
    };
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads exactly `length` bytes at `position` into a fresh buffer. */
function readAt(file: string, fd: number, position: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, bytes, done, length - done, position + done);
    // Only if the file shrinks while we read it: sizes were checked against fstat before.
    if (n === 0) throw new FileFormatError(file, `truncated: unexpected end of file at byte ${position + done}`);
    done += n;
  }
  return bytes;
}

function littleEndianBytes(data: Float32Array): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return hostIsLittleEndian ? view : swapBytes32(view.slice());
}

/** Reverses the byte order of each 4-byte word in place (only needed on big-endian hosts). */
function swapBytes32(bytes: Uint8Array): Uint8Array {
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    [bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]] = [bytes[i + 3], bytes[i + 2], bytes[i + 1], bytes[i]];
  }
  return bytes;
}
