/**
 * The JSON header of a safetensors file (https://github.com/huggingface/safetensors):
 * `{ "<name>": { "dtype", "shape", "data_offsets": [begin, end] }, "__metadata__": {...} }`,
 * offsets relative to the start of the data section. Only F32 tensors are supported.
 */
import { formatShape, shapeSize } from '../params/types';
import { FileFormatError } from '../util/errors';
import { isCount, isObject } from './json-reader';

export const METADATA_KEY = '__metadata__';

/** One tensor's place in the data section; `begin`/`end` are byte offsets. */
export interface TensorLocation {
  name: string;
  shape: number[];
  begin: number;
  end: number;
}

/** Every dtype the format defines; all but F32 are recognised only to be rejected clearly. */
const knownDtypes = new Set([
  'BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2',
  'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64', 'C64',
]);
const F32_BYTES = 4;

/** Header text for tensors laid out in the given order, as the reference writer does it. */
export function encodeHeader(
  tensors: readonly { name: string; shape: number[] }[],
  metadata: Record<string, string>,
): string {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const { name, shape } of tensors) {
    const bytes = shapeSize(shape) * F32_BYTES;
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  return JSON.stringify(header);
}

/**
 * Parses and checks the header of `file` against its data section of `dataLength` bytes.
 * Returns the tensors in data order; the first problem found is a FileFormatError.
 */
export function parseHeader(
  file: string,
  bytes: Uint8Array,
  dataLength: number,
): { tensors: TensorLocation[]; metadata: Record<string, string> } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FileFormatError(file, 'header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FileFormatError(file, `header is not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(json)) throw new FileFormatError(file, 'header is not a JSON object');
  const metadata = parseMetadata(file, json[METADATA_KEY]);
  const tensors = Object.entries(json)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, info]) => parseTensor(file, name, info));
  checkLayout(file, tensors, dataLength);
  return { tensors, metadata };
}

function parseMetadata(file: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new FileFormatError(file, `${METADATA_KEY} must be an object of strings`);
  }
  return value as Record<string, string>;
}

function parseTensor(file: string, name: string, info: unknown): TensorLocation {
  if (!isObject(info)) throw new FileFormatError(file, `entry for tensor "${name}" is not an object`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string') throw new FileFormatError(file, `tensor "${name}" has no dtype`);
  if (!knownDtypes.has(dtype)) {
    throw new FileFormatError(file, `unknown dtype ${JSON.stringify(dtype)} for tensor "${name}"`);
  }
  if (dtype !== 'F32') {
    throw new FileFormatError(file, `unsupported dtype ${dtype} for tensor "${name}" (only F32 is supported)`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new FileFormatError(file, `tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
  }
  const elements = shapeSize(shape);
  const bytes = elements * F32_BYTES;
  if (!Number.isSafeInteger(bytes)) throw new FileFormatError(file, `tensor "${name}" shape ${formatShape(shape)} is too large`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    throw new FileFormatError(file, `tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end - begin !== bytes) {
    throw new FileFormatError(
      file,
      `tensor "${name}" data_offsets [${begin},${end}] span ${end - begin} bytes, ` +
        `but F32 shape ${formatShape(shape)} needs ${bytes}`,
    );
  }
  return { name, shape, begin, end };
}

/** The format requires the tensors to tile the data section exactly: no gap, no overlap, no slack. */
function checkLayout(file: string, tensors: TensorLocation[], dataLength: number): void {
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: string | null = null;
  for (const { name, begin, end } of tensors) {
    if (begin < covered) {
      throw new FileFormatError(file, `tensors "${previous}" and "${name}" overlap (byte ${begin} < ${covered})`);
    }
    if (begin > covered) {
      throw new FileFormatError(file, `gap in the data section: bytes ${covered}..${begin} belong to no tensor`);
    }
    covered = end;
    previous = name;
  }
  if (covered > dataLength) {
    throw new FileFormatError(file, `truncated: header declares ${covered} bytes of data, file has ${dataLength}`);
  }
  if (covered < dataLength) {
    throw new FileFormatError(file, `data section has ${dataLength} bytes, but the tensors cover only ${covered}`);
  }
}
