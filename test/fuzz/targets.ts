/**
 * The readers under fuzz, each with the valid files its mutations start from, its own mutations
 * on top of the generic ones, and what "valid data" means when a mutated file is accepted.
 * Each reads from a real file, through the same function the library uses.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readCifar10 } from '../../lib/data/cifar10';
import { encodeIdx, readIdx } from '../../lib/data/idx';
import { flatten } from '../../lib/params/flatten';
import { fitNormStats } from '../../lib/params/normalize';
import { shapeSize } from '../../lib/params/types';
import { Rng } from '../../lib/util/rng';
import { encodeSafetensors, readSafetensors } from '../../lib/zoo/safetensors';
import { loadZoo, MANIFEST_FILE, saveZoo } from '../../lib/zoo/zoo';
import { concat, mutateBytes, mutateJson, pick, randomBytes, writeWord } from './mutate';

export interface FuzzTarget {
  name: string;
  /** Valid files the mutations start from. */
  seeds(): Uint8Array[];
  /** A mutated copy of `seed`. */
  mutate(rng: Rng, seed: Uint8Array): Uint8Array;
  /** Writes `bytes` into `dir` and reads them as the library does; throws if accepted data is not valid. */
  read(dir: string, bytes: Uint8Array): void;
}

/** Fails a case whose input was accepted although the data is not what the reader promises. */
function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(`accepted invalid data: ${what}`);
}

function writeInput(dir: string, name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Gzipped bytes as a plain Uint8Array (not a Buffer, whose slice() shares memory). */
const gzip = (bytes: Uint8Array) => new Uint8Array(zlib.gzipSync(bytes));
const bytesOf = (parts: Uint8Array[]) => concat(...parts);
const text = (s: string) => new TextEncoder().encode(s);

const idx: FuzzTarget = {
  name: 'idx',
  seeds: () => {
    const rng = new Rng(1);
    const images = encodeIdx([3, 4, 5], Uint8Array.from({ length: 60 }, () => rng.int(256)));
    const labels = encodeIdx([7], Uint8Array.from({ length: 7 }, () => rng.int(10)));
    return [images, labels, gzip(images), gzip(labels)];
  },
  mutate(rng, seed) {
    const gzipped = seed[0] === 0x1f;
    // Half the time damage the IDX bytes themselves (gzipping them again if the seed was gzipped).
    const raw = gzipped && rng.int(2) === 0 ? new Uint8Array(zlib.gunzipSync(seed)) : seed;
    let bytes = raw;
    if (raw === seed || rng.int(2) === 0) bytes = mutateBytes(rng, raw);
    if (raw[0] === 0 && rng.int(2) === 0) {
      bytes = new Uint8Array(bytes);
      const field = rng.int(3);
      if (field === 0 && bytes.length > 2) bytes[2] = pick(rng, [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, rng.int(256)]); // element type
      if (field === 1 && bytes.length > 3) bytes[3] = pick(rng, [0, 1, 2, 3, 4, 5, 255]); // number of dims
      if (field === 2) writeWord(rng, bytes, 4 + 4 * rng.int(4), true); // a dimension
    }
    return gzipped && raw !== seed ? gzip(bytes) : bytes;
  },
  read(dir, bytes) {
    const { dims, data } = readIdx(writeInput(dir, 'input.idx', bytes));
    expect(dims.length >= 1 && dims.length <= 4 && dims.every((d) => Number.isInteger(d) && d >= 1), `dims [${dims}]`);
    expect(shapeSize(dims) === data.length, `dims [${dims}] for ${data.length} bytes`);
  },
};

const RECORD = 3073;

const cifar10: FuzzTarget = {
  name: 'cifar10',
  seeds: () => {
    const rng = new Rng(2);
    const records = (n: number) => Uint8Array.from({ length: n * RECORD }, (_, i) => (i % RECORD === 0 ? rng.int(10) : rng.int(256)));
    return [records(1), records(3)];
  },
  mutate(rng, seed) {
    const bytes = mutateBytes(rng, seed);
    // Labels are the only field: push one out of range now and then.
    if (rng.int(2) === 0 && bytes.length >= RECORD) bytes[RECORD * rng.int(Math.floor(bytes.length / RECORD))] = pick(rng, [9, 10, 11, 127, 255]);
    return bytes;
  },
  read(dir, bytes) {
    const set = readCifar10([writeInput(dir, 'data_batch_1.bin', bytes)], 'fuzz');
    const n = set.labels.length;
    expect(n * RECORD === bytes.length && n >= 1, `${n} records from ${bytes.length} bytes`);
    expect(set.images.length === n * 3072 && set.images.every(Number.isFinite), 'images');
    expect(set.labels.every((l) => l >= 0 && l < 10), 'labels');
  },
};

const safetensors: FuzzTarget = {
  name: 'safetensors',
  seeds: () => {
    const rng = new Rng(3);
    return [
      bytesOf(encodeSafetensors([
        { name: 'fc/weight', shape: [2, 3], data: rng.normalArray(6) },
        { name: 'fc/bias', shape: [2], data: rng.normalArray(2) },
      ], { format: 'pt' })),
      bytesOf(encodeSafetensors([
        { name: 'params', shape: [4, 5], data: rng.normalArray(20) },
        { name: 'scalar', shape: [], data: Float32Array.of(1) },
        { name: 'empty', shape: [0, 3], data: new Float32Array(0) },
      ], { state: '{"step":3}' })),
    ];
  },
  mutate(rng, seed) {
    const kind = rng.int(4);
    if (kind === 0) return mutateBytes(rng, seed);
    const headerLength = Number(new DataView(seed.buffer, seed.byteOffset).getBigUint64(0, true));
    const header = seed.subarray(8, 8 + headerLength);
    const data = seed.subarray(8 + headerLength).slice();
    if (kind === 1) {
      // A length prefix at a boundary: 0, around the real header and file size, huge.
      const bytes = seed.slice();
      const lengths = [0n, 1n, BigInt(headerLength - 1), BigInt(headerLength + 1), BigInt(seed.length - 8), BigInt(seed.length),
        2n ** 32n, 100n * 1024n * 1024n, 100n * 1024n * 1024n + 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];
      new DataView(bytes.buffer).setBigUint64(0, pick(rng, lengths), true);
      return bytes;
    }
    if (kind === 2) {
      // NaN / ±Infinity payload words: valid files, the values are data.
      const view = new DataView(data.buffer);
      for (let i = 0; i < 1 + rng.int(3) && data.length >= 4; i++) {
        view.setUint32(4 * rng.int(data.length / 4), pick(rng, [0x7fc00000, 0x7f800000, 0xff800000, 0xffffffff]), true);
      }
      return concat(seed.subarray(0, 8 + headerLength), data);
    }
    // Header fields: dtype, shape, offsets, metadata; the prefix then fits the new header, or not.
    const json = JSON.stringify(mutateJson(rng, JSON.parse(new TextDecoder().decode(header))));
    const newHeader = text(json);
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setBigUint64(0, BigInt(rng.int(4) === 0 ? headerLength : newHeader.length), true);
    return concat(prefix, newHeader, data);
  },
  read(dir, bytes) {
    const { tensors, metadata } = readSafetensors(writeInput(dir, 'input.safetensors', bytes));
    expect(new Set(tensors.map((t) => t.name)).size === tensors.length, 'repeated names');
    expect(tensors.every((t) => t.data.length === shapeSize(t.shape)), 'a tensor whose data does not fit its shape');
    expect(Object.values(metadata).every((v) => typeof v === 'string'), 'metadata that is not strings');
  },
};

/** A zoo directory with a valid params.safetensors; cases replace its manifest.json. */
function zooDir(dir: string): string {
  const zoo = path.join(dir, 'zoo');
  if (!fs.existsSync(path.join(zoo, MANIFEST_FILE))) saveZoo(zoo, sampleZoo());
  return zoo;
}

function sampleZoo() {
  const rng = new Rng(4);
  const { manifest } = flatten([
    { name: 'bn3/weight', shape: [2], data: new Float32Array(2) },
    { name: 'fc/weight', shape: [2, 3], data: new Float32Array(6) },
    { name: 'fc/bias', shape: [3], data: new Float32Array(3) },
  ]);
  const params = { count: 3, dim: manifest.size, data: rng.normalArray(3 * manifest.size) };
  return {
    model: 'convnet-s', subset: ['bn3/*', 'fc/*'], paramManifest: manifest, params,
    checkpoints: [0, 1, 2].map((k) => ({ seed: 0, step: 10 * k, valAccuracy: k === 2 ? null : 0.5, testAccuracy: 0.25 })),
    norm: fitNormStats(params, 'position'), config: { lr: 0.01, nested: { subset: ['fc/*'] } }, created: '2025-01-01T00:00:00.000Z',
  };
}

const zooManifest: FuzzTarget = {
  name: 'zoo-manifest',
  seeds: () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-fuzz-seed-'));
    const manifest = fs.readFileSync(path.join(zooDir(dir), MANIFEST_FILE));
    fs.rmSync(dir, { recursive: true });
    return [new Uint8Array(manifest)];
  },
  mutate(rng, seed) {
    const kind = rng.int(4);
    if (kind === 0) return mutateBytes(rng, seed);
    const json = JSON.parse(new TextDecoder().decode(seed));
    if (kind === 1) return text(JSON.stringify(mutateJson(rng, json), null, rng.int(2) * 2));
    // Edits that keep the manifest consistent in itself, to reach the checks against params.safetensors.
    if (kind === 2) {
      json.count -= 1;
      json.checkpoints.pop();
    } else {
      json.paramsSha256 = createHash('sha256').update(randomBytes(rng, 8)).digest('hex');
    }
    return text(JSON.stringify(json));
  },
  read(dir, bytes) {
    const zoo = zooDir(dir);
    fs.writeFileSync(path.join(zoo, MANIFEST_FILE), bytes);
    const { params, checkpoints, paramManifest, norm } = loadZoo(zoo);
    expect(params.data.length === params.count * params.dim && params.data.every(Number.isFinite), 'params');
    expect(checkpoints.length === params.count && paramManifest.size === params.dim, 'counts');
    expect(norm === null || (norm.std.every((s) => s > 0) && norm.mean.every(Number.isFinite)), 'norm stats');
  },
};

export const fuzzTargets: Record<string, FuzzTarget> = { idx, cifar10, safetensors, 'zoo-manifest': zooManifest };
