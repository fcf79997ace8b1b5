import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { flatten } from '../lib/params/flatten';
import { denormalize, fitNormStats, normalize } from '../lib/params/normalize';
import { FileFormatError, InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { readSafetensors, writeSafetensors } from '../lib/zoo/safetensors';
import { loadZoo, MANIFEST_FILE, PARAMS_FILE, saveZoo, type Zoo } from '../lib/zoo/zoo';

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** A small ConvNet-S-like zoo: K checkpoints of bn3/* + fc/* with random values. */
function makeZoo(seed: number, count = 5): Zoo {
  const rng = new Rng(seed);
  const { manifest } = flatten([
    { name: 'bn3/weight', shape: [4], data: new Float32Array(4) },
    { name: 'bn3/bias', shape: [4], data: new Float32Array(4) },
    { name: 'fc/weight', shape: [4, 3], data: new Float32Array(12) },
    { name: 'fc/bias', shape: [3], data: new Float32Array(3) },
  ]);
  const params = { count, dim: manifest.size, data: rng.normalArray(count * manifest.size) };
  params.data[0] = -0;
  return {
    model: 'convnet-s',
    subset: ['bn3/*', 'fc/*'],
    paramManifest: manifest,
    params,
    checkpoints: Array.from({ length: count }, (_, k) => ({ seed, step: 100 * k, valAccuracy: 0.5 + k / 100, testAccuracy: null })),
    norm: fitNormStats(params, 'position'),
    config: { lr: 0.01, epochs: 2, nested: { subset: ['bn3/*', 'fc/*'] } },
    created: '2025-01-02T03:04:05.000Z',
  };
}

let root: string;
let counter = 0;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-zoo-'));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** A saved zoo in a fresh directory. */
function savedZoo(seed = 1): { dir: string; zoo: Zoo } {
  const dir = path.join(root, `zoo${counter++}`);
  const zoo = makeZoo(seed);
  saveZoo(dir, zoo);
  return { dir, zoo };
}

function editManifest(dir: string, edit: (json: Record<string, any>) => void): void {
  const file = path.join(dir, MANIFEST_FILE);
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json));
}

/** Replaces the params tensor as another tool would, keeping the manifest's checksum in step. */
function replaceParams(dir: string, shape: number[], data: Float32Array): void {
  const file = path.join(dir, PARAMS_FILE);
  writeSafetensors(file, [{ name: 'params', shape, data }]);
  const sha = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  editManifest(dir, (json) => (json.paramsSha256 = sha));
}

function assertFileError(dir: string, file: string, problem: RegExp): void {
  const full = path.join(dir, file);
  assert.throws(
    () => loadZoo(dir),
    (e: Error) => e instanceof FileFormatError && e.file === full && e.message.includes(full) && problem.test(e.message),
  );
}

describe('zoo: save and load', () => {
  it('round trips everything, the parameters bit-exactly', () => {
    const { dir, zoo } = savedZoo();
    const loaded = loadZoo(dir);
    assert.deepEqual(bits(loaded.params.data), bits(zoo.params.data));
    const { params: _a, ...info } = loaded;
    const { params: _b, ...expected } = zoo;
    assert.deepEqual(info, expected);
    assert.deepEqual([loaded.params.count, loaded.params.dim], [5, 23]);
  });

  it('stores normalisation stats so decoding with the loaded stats is exact', () => {
    const { dir, zoo } = savedZoo(2);
    const loaded = loadZoo(dir);
    const z = normalize(zoo.params, zoo.norm!);
    assert.deepEqual(bits(denormalize(z, loaded.norm!).data), bits(denormalize(z, zoo.norm!).data));
  });

  it('writes one float32 tensor "params" [K, D] that PyTorch can load, and a readable manifest', () => {
    const { dir, zoo } = savedZoo(3);
    const { tensors, metadata } = readSafetensors(path.join(dir, PARAMS_FILE));
    assert.deepEqual(tensors.map((t) => [t.name, t.shape]), [['params', [5, 23]]]);
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual(bits(tensors[0].data), bits(zoo.params.data));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8'));
    assert.deepEqual([manifest.formatVersion, manifest.count, manifest.dim, manifest.model], [1, 5, 23, 'convnet-s']);
    assert.deepEqual(fs.readdirSync(dir).sort(), [MANIFEST_FILE, PARAMS_FILE]);
  });

  it('checks the subset against the model with { expect }, naming the first differing layer', () => {
    const { dir, zoo } = savedZoo(4);
    loadZoo(dir, { expect: zoo.paramManifest });
    const other = structuredClone(zoo.paramManifest);
    other.entries[2].shape = [3, 4];
    assert.throws(
      () => loadZoo(dir, { expect: other }),
      (e: Error) => e instanceof InputError && e.message.includes(dir) && /"fc\/weight" has shape \[4,3\], expected \[3,4\]/.test(e.message),
    );
    other.entries[0].name = 'bn2/weight';
    assert.throws(() => loadZoo(dir, { expect: other }), /layer 0 is "bn3\/weight", expected "bn2\/weight"/);
  });

  it('refuses to save an inconsistent zoo', () => {
    const zoo = makeZoo(5);
    const dir = path.join(root, 'never-written');
    const rejected = (bad: Zoo, problem: RegExp) =>
      assert.throws(() => saveZoo(dir, bad), (e: Error) => e instanceof InputError && problem.test(e.message));
    rejected({ ...zoo, checkpoints: zoo.checkpoints.slice(1) }, /checkpoints: has 4 entries, count is 5/);
    rejected({ ...zoo, params: { ...zoo.params, dim: 22 } }, /claim \[5, 22\] but hold 115 values/);
    rejected({ ...zoo, checkpoints: zoo.checkpoints.map((c) => ({ ...c, step: 0.5 })) }, /checkpoints\[0\]\.step/);
    rejected({ ...zoo, norm: { mode: 'position', mean: [0], std: [1] } }, /norm: position normalisation needs 23/);
    rejected({ ...zoo, config: [] as unknown as Zoo['config'] }, /config: expected an object/);
    zoo.params.data[7] = NaN;
    assert.throws(() => saveZoo(dir, zoo), /value NaN in row 0/);
    assert.ok(!fs.existsSync(dir));
  });
});

describe('zoo: a failed save leaves the earlier zoo readable', () => {
  it('when the target directory is a file', () => {
    const file = path.join(root, 'not-a-directory');
    fs.writeFileSync(file, 'keep me');
    assert.throws(() => saveZoo(file, makeZoo(6)));
    assert.equal(fs.readFileSync(file, 'utf8'), 'keep me');
  });

  it('when the new zoo fails validation or serialisation half way', () => {
    const { dir, zoo } = savedZoo(7);
    const before = Buffer.concat([fs.readFileSync(path.join(dir, MANIFEST_FILE)), fs.readFileSync(path.join(dir, PARAMS_FILE))]);
    const next = makeZoo(8);
    next.params.data[3] = Infinity;
    assert.throws(() => saveZoo(dir, next), InputError);
    // A config JSON cannot hold fails only when the manifest is serialised, after the tensor is encoded.
    assert.throws(() => saveZoo(dir, { ...makeZoo(8), config: { seed: 1n } }), TypeError);
    const after = Buffer.concat([fs.readFileSync(path.join(dir, MANIFEST_FILE)), fs.readFileSync(path.join(dir, PARAMS_FILE))]);
    assert.deepEqual(after, before);
    assert.deepEqual(bits(loadZoo(dir).params.data), bits(zoo.params.data));
    assert.deepEqual(fs.readdirSync(dir).sort(), [MANIFEST_FILE, PARAMS_FILE]); // no temporary files left
  });
});

describe('zoo: broken zoos are FileFormatErrors naming the file', () => {
  it('NaN or Inf in the parameters, naming row, position and layer', () => {
    const { dir, zoo } = savedZoo();
    const data = zoo.params.data.slice();
    data[23 * 2 + 9] = NaN;
    replaceParams(dir, [5, 23], data);
    assertFileError(dir, PARAMS_FILE, /value NaN in row 2, position 9 \(layer "fc\/weight"\)/);
    data[23 * 2 + 9] = -Infinity;
    replaceParams(dir, [5, 23], data);
    assertFileError(dir, PARAMS_FILE, /value -Infinity/);
  });

  it('K or D that disagree with the tensor', () => {
    const { dir, zoo } = savedZoo();
    replaceParams(dir, [4, 23], zoo.params.data.slice(0, 4 * 23));
    assertFileError(dir, MANIFEST_FILE, /says the zoo is \[5, 23\] \(K, D\), but params\.safetensors holds a tensor of shape \[4, 23\]/);
    replaceParams(dir, [5, 23], zoo.params.data);
    loadZoo(dir);
    editManifest(dir, (json) => json.checkpoints.push(json.checkpoints[0]) && (json.count = 6));
    assertFileError(dir, MANIFEST_FILE, /says the zoo is \[6, 23\]/);
    editManifest(dir, (json) => (json.dim = 24));
    assertFileError(dir, MANIFEST_FILE, /dim: is 24, but paramManifest describes 23 values/);
  });

  it('malformed manifest JSON, wrong types, missing fields, unknown versions', () => {
    const { dir } = savedZoo();
    const file = path.join(dir, MANIFEST_FILE);
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.slice(0, text.length / 2));
    assertFileError(dir, MANIFEST_FILE, /not valid JSON/);
    fs.writeFileSync(file, '[]');
    assertFileError(dir, MANIFEST_FILE, /expected a JSON object/);
    const edits: [(json: Record<string, any>) => void, RegExp][] = [
      [(j) => delete j.model, /model: missing/],
      [(j) => (j.formatVersion = 2), /formatVersion: unsupported version 2/],
      [(j) => (j.checkpoints[1].step = -1), /checkpoints\[1\]\.step: expected an integer ≥ 0, got -1/],
      [(j) => (j.checkpoints[0].valAccuracy = 'high'), /checkpoints\[0\]\.valAccuracy: expected a finite number or null/],
      [(j) => j.checkpoints.pop(), /checkpoints: has 4 entries, count is 5/],
      [(j) => (j.paramManifest.entries[1].offset = 5), /paramManifest: .*"bn3\/bias" starts at 5, expected 4/],
      [(j) => (j.paramManifest.entries[0].shape = [2, 'x']), /paramManifest\.entries\[0\]\.shape: expected an array of integers/],
      [(j) => (j.norm.mean = j.norm.mean.slice(1)), /norm: position normalisation needs 23 means/],
      [(j) => (j.norm.mode = 'global'), /norm\.mode: expected one of position, layer/],
      [(j) => (j.config = 'lr=1'), /config: expected an object/],
      [(j) => (j.paramsSha256 = 'abc'), /paramsSha256: is not a SHA-256/],
    ];
    for (const [edit, problem] of edits) {
      fs.writeFileSync(file, text);
      editManifest(dir, edit);
      assertFileError(dir, MANIFEST_FILE, problem);
    }
  });

  it('parameters from a different save, a truncated or a missing params file', () => {
    const { dir } = savedZoo(1);
    const { dir: other } = savedZoo(2);
    fs.copyFileSync(path.join(other, PARAMS_FILE), path.join(dir, PARAMS_FILE));
    assertFileError(dir, PARAMS_FILE, /does not match the checksum in manifest\.json/);
    const bytes = fs.readFileSync(path.join(other, PARAMS_FILE));
    fs.writeFileSync(path.join(dir, PARAMS_FILE), bytes.subarray(0, bytes.length - 1));
    assertFileError(dir, PARAMS_FILE, /truncated/);
    fs.rmSync(path.join(dir, PARAMS_FILE));
    assertFileError(dir, PARAMS_FILE, /cannot open \(ENOENT\)/);
    assertFileError(path.join(root, 'no-such-zoo'), MANIFEST_FILE, /cannot read \(ENOENT\)/);
  });
});
