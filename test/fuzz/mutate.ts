/**
 * Seeded mutations for fuzzing file readers: byte-level damage (truncation, bit flips, inserted,
 * deleted or repeated ranges, words overwritten with boundary values) and value-level damage to
 * JSON (a value anywhere in the tree swapped for a boundary value, a key dropped or added).
 * The same Rng state gives the same mutation, so a failing case is reproduced from its seed.
 */
import { Rng } from '../../lib/util/rng';

/** Integers at the edges of what headers hold: zero, one, sign and width boundaries. */
export const BOUNDARY_INTEGERS = [0, 1, 2, 3, 4, 7, 8, 255, 256, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

/** JSON values at the edges of what a reader expects. */
const BOUNDARY_VALUES: unknown[] = [
  null, true, 0, -1, 1.5, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 'NaN', 'Infinity', '', 'x',
  '../../etc/passwd', [], [0], [-1], [2 ** 40, 2 ** 40], [1e308], {}, { __proto__: { polluted: true } },
  Array.from({ length: 1000 }, (_, i) => i),
];

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)];

/** One to three random byte-level mutations of `input` (never modified in place). */
export function mutateBytes(rng: Rng, input: Uint8Array): Uint8Array {
  // A copy: Buffer.slice (zlib returns Buffers) would share memory with the input.
  let bytes: Uint8Array = new Uint8Array(input);
  const count = 1 + rng.int(3);
  for (let i = 0; i < count; i++) bytes = byteMutations[rng.int(byteMutations.length)](rng, bytes);
  return bytes;
}

const byteMutations: ((rng: Rng, b: Uint8Array) => Uint8Array)[] = [
  (rng, b) => b.subarray(0, rng.int(b.length + 1)), // truncate
  (rng, b) => flipBits(rng, b, 1),
  (rng, b) => flipBits(rng, b, 1 + rng.int(16)),
  (rng, b) => setByte(rng, b, pick(rng, [0, 1, 0x7f, 0x80, 0xfe, 0xff, rng.int(256)])),
  (rng, b) => writeWord(rng, b, rng.int(Math.max(1, b.length)), rng.int(2) === 0),
  (rng, b) => { const at = rng.int(b.length + 1); return concat(b.subarray(0, at), randomBytes(rng, 1 + rng.int(64)), b.subarray(at)); },
  (rng, b) => { const at = rng.int(b.length + 1); return concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.int(64)))); },
  (rng, b) => { const at = rng.int(b.length + 1); const len = rng.int(64); return concat(b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)); },
  (rng, b) => concat(b, randomBytes(rng, 1 + rng.int(16))), // trailing garbage
];

function flipBits(rng: Rng, b: Uint8Array, n: number): Uint8Array {
  for (let i = 0; i < n && b.length > 0; i++) b[rng.int(b.length)] ^= 1 << rng.int(8);
  return b;
}

function setByte(rng: Rng, b: Uint8Array, value: number): Uint8Array {
  if (b.length > 0) b[rng.int(b.length)] = value;
  return b;
}

/** Overwrites the 4 bytes at `at` with a boundary integer, big- or little-endian. */
export function writeWord(rng: Rng, b: Uint8Array, at: number, bigEndian: boolean): Uint8Array {
  if (at + 4 > b.length) return b;
  new DataView(b.buffer, b.byteOffset).setUint32(at, pick(rng, BOUNDARY_INTEGERS), !bigEndian);
  return b;
}

export function randomBytes(rng: Rng, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => rng.int(256));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A copy of `value` (parsed JSON) with one to three value-level mutations: a value anywhere in
 * the tree replaced by a boundary value or by another value of the same document, an object
 * key dropped, or an unexpected key added.
 */
export function mutateJson(rng: Rng, value: unknown): unknown {
  const root = { value: JSON.parse(JSON.stringify(value)) as unknown };
  const count = 1 + rng.int(3);
  for (let i = 0; i < count; i++) {
    const slots = collectSlots(root);
    const [holder, key] = pick(rng, slots);
    const kind = rng.int(4);
    if (kind === 0 && isObject(holder) && !Array.isArray(holder)) delete holder[key as string];
    else if (kind === 1 && isObject(holder) && !Array.isArray(holder)) holder[`extra${rng.int(3)}`] = pick(rng, BOUNDARY_VALUES);
    else if (kind === 2) (holder as Record<string | number, unknown>)[key] = structuredClone(pick(rng, slots)[0]);
    else (holder as Record<string | number, unknown>)[key] = structuredClone(pick(rng, BOUNDARY_VALUES));
  }
  return root.value;
}

/** Every (container, key) pair in the tree, the root's holder included. */
function collectSlots(root: { value: unknown }): [Record<string | number, unknown>, string | number][] {
  const slots: [Record<string | number, unknown>, string | number][] = [];
  const visit = (holder: Record<string | number, unknown>, key: string | number) => {
    slots.push([holder, key]);
    const v = holder[key];
    if (Array.isArray(v)) v.forEach((_, i) => visit(v as unknown as Record<number, unknown>, i));
    else if (isObject(v)) for (const k of Object.keys(v)) visit(v as Record<string, unknown>, k);
  };
  visit(root as Record<string, unknown>, 'value');
  return slots;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
