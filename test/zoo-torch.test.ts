import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageDataset } from '../lib/data/dataset';
import { loadFashionMnist, locateFashionMnist } from '../lib/data/fashion-mnist';
import { DatasetNotFoundError } from '../lib/data/locate';
import { subsetDataset } from '../lib/data/splits';
import { ConvNetS, defaultConvNetSConfig } from '../lib/models/convnet-s';
import { evaluateModel, imagesTensor } from '../lib/models/evaluate';
import { Mlp } from '../lib/models/mlp';
import { countParams, type TaskModel } from '../lib/models/task-model';
import { defaultTrainConfig, trainModel } from '../lib/models/train';
import { readNetwork } from '../lib/params/network';
import { recalibrateBatchNorm } from '../lib/params/recalibrate-bn';
import { readParams } from '../lib/params/tensors';
import type { NamedArray } from '../lib/params/types';
import { FileFormatError, InputError } from '../lib/util/errors';
import { PDiffPipeline, preset, type PdiffConfig } from '../lib/pdiff';
import { Rng } from '../lib/util/rng';
import { readSafetensors, writeSafetensors } from '../lib/zoo/safetensors';
import { loadTorchMember, readTorchZoo, writeTorchZoo, type TorchMember } from '../lib/zoo/torch';
import { permute, torchShape } from '../lib/zoo/torch-names';
import { torchZooToVectors, vectorsToMembers } from '../lib/zoo/torch-vectors';
import { noTorchReason, PEER_SEED_ZOO, peerSeedZoo, torchEval } from './helpers/torch-zoo';
import { tmpDirs } from './helpers/tmp-dirs';

const dirs = tmpDirs('zoo-torch');
after(dirs.cleanup);

const names = (store: Map<string, unknown>) => [...store.keys()];
const bits = (a: Float32Array) => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

/** Members of `model`'s architecture: parameters of models with seeds 1, 2, …, random BN statistics. */
function randomMembers(make: (seed: number) => TaskModel, count: number): TorchMember[] {
  const rng = new Rng(7);
  return Array.from({ length: count }, (_, i) => {
    const m = make(i + 1);
    const member = {
      params: readParams(m.params, names(m.params)),
      buffers: readParams(m.buffers, names(m.buffers)).map((b) => ({ ...b, data: b.data.map(() => 0.5 + rng.uniform()) })),
    };
    m.dispose();
    return member;
  });
}

describe('zoo/torch: names and layouts', () => {
  it('PyTorch shapes: conv [kh,kw,in,out] ↔ [out,in,kh,kw], linear [in,out] ↔ [out,in], others as is', () => {
    assert.deepEqual(torchShape([3, 5, 2, 4]), [4, 2, 3, 5]);
    assert.deepEqual(torchShape([6, 10]), [10, 6]);
    assert.deepEqual(torchShape([7]), [7]);
  });

  it('permute is numpy transpose', () => {
    // [2, 3] → [3, 2]; [2, 1, 3] with perm [2, 0, 1] → [3, 2, 1].
    assert.deepEqual([...permute(Float32Array.of(0, 1, 2, 3, 4, 5), [2, 3], [1, 0])], [0, 3, 1, 4, 2, 5]);
    assert.deepEqual([...permute(Float32Array.of(0, 1, 2, 3, 4, 5), [2, 1, 3], [2, 0, 1])], [0, 3, 1, 4, 2, 5]);
  });
});

describe('zoo/torch: our writer and reader (no Python)', () => {
  const make = (seed: number) => new ConvNetS({ inChannels: 2, numClasses: 3, channels: [2, 3, 4] }, seed);
  const seeds = '[11, 12, 13]';
  let model: ConvNetS;
  let members: TorchMember[];
  let good: string;
  before(() => {
    model = make(0);
    members = randomMembers(make, 3);
    good = path.join(dirs.make(), 'zoo.safetensors');
    writeTorchZoo(good, model, members, { model: 'convnet-s', seeds });
  });
  after(() => model.dispose());

  it('writes state-dict keys, stacked PyTorch layouts and layout metadata', () => {
    const { tensors, metadata } = readSafetensors(good);
    assert.deepEqual(metadata, { model: 'convnet-s', seeds, layout: 'pytorch' });
    const byName = new Map(tensors.map((t) => [t.name, t]));
    assert.deepEqual([...byName.keys()].sort(), [...names(model.params), ...names(model.buffers)].map((n) => n.replace('/', '.')).sort());
    const conv = byName.get('conv2.weight')!;
    const fc = byName.get('fc.weight')!;
    assert.deepEqual([conv.shape, fc.shape], [[3, 3, 2, 3, 3], [3, 3, 4]]);
    members.forEach(({ params }, m) => {
      const ours = new Map(params.map((p) => [p.name, p.data]));
      // conv: file[m, o, i, y, x] = ours[y, x, i, o] (ours [3, 3, 2, 3]); linear: file[m, o, i] = ours[i, o] (ours [4, 3]).
      for (let o = 0; o < 3; o++) for (let i = 0; i < 2; i++) for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) {
        assert.equal(conv.data[(((m * 3 + o) * 2 + i) * 3 + y) * 3 + x], ours.get('conv2/weight')![((y * 3 + x) * 2 + i) * 3 + o]);
      }
      for (let o = 0; o < 3; o++) for (let i = 0; i < 4; i++) assert.equal(fc.data[(m * 3 + o) * 4 + i], ours.get('fc/weight')![i * 3 + o]);
    });
  });

  it('reads back exactly, in model order, with the seeds', () => {
    const zoo = readTorchZoo(good, model);
    assert.equal(zoo.count, 3);
    assert.deepEqual(zoo.seeds, [11, 12, 13]);
    zoo.params.forEach((params, m) => {
      assert.deepEqual(params.map((p) => p.name), names(model.params));
      assert.deepEqual(params.map((p) => [p.shape, bits(p.data)]), members[m].params.map((p) => [p.shape, bits(p.data)]));
      assert.deepEqual(zoo.buffers[m].map((b) => [b.name, bits(b.data)]), members[m].buffers!.map((b) => [b.name, bits(b.data)]));
    });
  });

  it('vectors: one [N, D] row per member, and back to the same bytes', () => {
    const zoo = readTorchZoo(good, model);
    const { set, manifest, buffers } = torchZooToVectors(zoo);
    assert.deepEqual([set.count, set.dim], [3, countParams(model)]);
    assert.deepEqual(manifest.entries.map((e) => e.name), names(model.params));
    const again = path.join(dirs.make(), 'again.safetensors');
    writeTorchZoo(again, model, vectorsToMembers(set, manifest, buffers), { model: 'convnet-s', seeds });
    assert.ok(fs.readFileSync(again).equals(fs.readFileSync(good)));
  });

  it('the same rule serves an MLP (no buffers)', () => {
    const mlp = (seed: number) => new Mlp({ inputSize: 6, hidden: [5], numClasses: 3 }, seed);
    const target = mlp(0);
    const mlpMembers = randomMembers(mlp, 2);
    const file = path.join(dirs.make(), 'mlp.safetensors');
    writeTorchZoo(file, target, mlpMembers);
    assert.deepEqual(readSafetensors(file).tensors.map((t) => [t.name, t.shape]).sort(),
      [['fc1.bias', [2, 5]], ['fc1.weight', [2, 5, 6]], ['fc2.bias', [2, 3]], ['fc2.weight', [2, 3, 5]]]);
    const zoo = readTorchZoo(file, target);
    assert.deepEqual(zoo.params.map((p) => p.map((a) => bits(a.data))), mlpMembers.map((m) => m.params.map((a) => bits(a.data))));
    assert.equal(zoo.seeds, null);
    target.dispose();
  });

  /** The good file's tensors, edited, in a new file; the reader must reject it naming `problem`. */
  function assertRejected(problem: RegExp, edit: (tensors: NamedArray[], metadata: Record<string, string>) => NamedArray[]): void {
    const { tensors, metadata } = readSafetensors(good);
    const file = path.join(dirs.make(), 'bad.safetensors');
    writeSafetensors(file, edit(tensors.map((t) => ({ ...t, data: t.data.slice() })), metadata), metadata);
    assertReadFails(file, problem);
  }
  function assertReadFails(file: string, problem: RegExp): void {
    assert.throws(() => readTorchZoo(file, model), (e: Error) => e instanceof FileFormatError && e.file === file && problem.test(e.message));
  }
  const edited = (tensors: NamedArray[], name: string, change: (t: NamedArray) => NamedArray | null) =>
    tensors.flatMap((t) => (t.name === name ? [change(t)].filter((x): x is NamedArray => x !== null) : [t]));

  it('rejects a missing tensor, naming it', () => {
    assertRejected(/missing tensor "bn2.running_var" that the convnet-s model needs/, (ts) => edited(ts, 'bn2.running_var', () => null));
  });

  it('rejects an extra tensor, naming it', () => {
    assertRejected(/extra tensor "head.weight"/, (ts) => [...ts, { name: 'head.weight', shape: [3, 2], data: new Float32Array(6) }]);
    assertRejected(/extra tensor "fc\/bias"/, (ts) => ts.map((t) => (t.name === 'fc.bias' ? { ...t, name: 'fc/bias' } : t)));
  });

  it('rejects NaN and infinities, naming the tensor and the member', () => {
    assertRejected(/tensor "fc.bias", member 1: value NaN at index 2/, (ts) => edited(ts, 'fc.bias', (t) => (t.data[3 + 2] = NaN, t)));
    assertRejected(/tensor "bn1.running_var", member 2: value -Infinity at index 0/, (ts) => edited(ts, 'bn1.running_var', (t) => (t.data[4] = -Infinity, t)));
  });

  it('rejects a shape that is not PyTorch\'s layout of the model\'s, with both shapes', () => {
    // Our own layout in a PyTorch file, and a wrong size.
    assertRejected(/"fc.weight" has member shape \[4,3\], which is not PyTorch's layout \[3,4\] of the model's fc\/weight \[4,3\]/,
      (ts) => edited(ts, 'fc.weight', (t) => ({ ...t, shape: [3, 4, 3] })));
    assertRejected(/"conv1.weight" has member shape \[3,3,2,2\], which is not PyTorch's layout \[2,2,3,3\]/,
      (ts) => edited(ts, 'conv1.weight', (t) => ({ ...t, shape: [3, 3, 3, 2, 2] })));
    assertRejected(/"bn3.bias" has member shape \[5\], which is not PyTorch's layout \[4\]/,
      (ts) => edited(ts, 'bn3.bias', (t) => ({ ...t, shape: [3, 5], data: new Float32Array(15) })));
  });

  it('rejects members counts that differ between tensors', () => {
    assertRejected(/tensor "fc.bias" stacks 2 members, "\S+" stacks 3/, (ts) => edited(ts, 'fc.bias', (t) => ({ ...t, shape: [2, 3], data: t.data.slice(0, 6) })));
  });

  it('rejects another layout, seeds that do not fit, a non-F32 tensor and a truncated file', () => {
    assertRejected(/layout "tfjs" is not "pytorch"/, (ts, meta) => ((meta.layout = 'tfjs'), ts));
    assertRejected(/metadata seeds \[1,2\] is not a list of 3 integers/, (ts, meta) => ((meta.seeds = '[1,2]'), ts));
    const bytes = fs.readFileSync(good);
    const dir = dirs.make();
    const f16 = path.join(dir, 'f16.safetensors');
    fs.writeFileSync(f16, Buffer.from(bytes.toString('latin1').replace('"dtype":"F32"', '"dtype":"F16"'), 'latin1'));
    assertReadFails(f16, /unsupported dtype F16 for tensor/);
    const cut = path.join(dir, 'cut.safetensors');
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    assertReadFails(cut, /truncated/);
  });

  it('the writer refuses a bad member and leaves the file as it was', () => {
    const before = fs.readFileSync(good);
    const withParams = (m: number, edit: (ps: NamedArray[]) => NamedArray[]) =>
      members.map((member, i) => (i === m ? { ...member, params: edit(member.params.map((p) => ({ ...p, data: p.data.slice() }))) } : member));
    const cases: [TorchMember[], RegExp][] = [
      [withParams(1, (ps) => ps.filter((p) => p.name !== 'fc/bias')), /member 1 lacks "fc\/bias"/],
      [withParams(2, (ps) => ps.map((p) => (p.name === 'bn1/weight' ? (p.data[1] = Infinity, p) : p))), /member 2: "bn1\/weight" holds Infinity at index 1/],
      [withParams(0, (ps) => ps.map((p) => (p.name === 'fc/weight' ? { ...p, shape: [3, 4] } : p))), /member 0: "fc\/weight" has shape \[3,4\] \(12 values\), the model's is \[4,3\]/],
      [withParams(0, (ps) => [...ps, { name: 'head/bias', shape: [1], data: new Float32Array(1) }]), /"head\/bias" is not in the convnet-s model/],
    ];
    for (const [bad, problem] of cases) {
      assert.throws(() => writeTorchZoo(good, model, bad), (e: Error) => e instanceof InputError && problem.test(e.message));
    }
    assert.throws(() => writeTorchZoo(good, model, members, { seeds: '[1]' }), /metadata seeds \[1\] is not a list of 3/);
    assert.ok(fs.readFileSync(good).equals(before));
  });
});

/** Percent, as the peer and torch-eval.py report it. */
function ourAccuracy(model: TaskModel, test: ImageDataset): number {
  return 100 * evaluateModel(model, test).accuracy;
}

describe('zoo/torch: ConvNet-S zoos shared with PyTorch (Fashion-MNIST test set)', function () {
  this.timeout(600_000);
  let dataDir: string;
  let data: { train: ImageDataset; test: ImageDataset };
  let model: ConvNetS;
  before(function () {
    const reason = noTorchReason() ?? noFashionMnistReason();
    if (reason !== null) {
      console.log(`    skipped: ${reason}`);
      this.skip();
    }
    dataDir = locateFashionMnist();
    data = loadFashionMnist(dataDir);
    model = new ConvNetS(defaultConvNetSConfig, 0);
  });
  after(() => model?.dispose());

  it('each member of the peer\'s zoo has the peer\'s test accuracy in our ConvNet-S (within 0.1 point)', function () {
    if (!fs.existsSync(PEER_SEED_ZOO)) {
      console.log(`    skipped: no ${PEER_SEED_ZOO}`);
      this.skip();
    }
    const peer = peerSeedZoo();
    const zoo = readTorchZoo(peer.zoo, model);
    assert.deepEqual([zoo.count, zoo.seeds, zoo.metadata.model], [peer.test.length, peer.seeds, 'ConvNet-S']);
    const ours = peer.test.map((_, i) => (loadTorchMember(model, zoo, i), ourAccuracy(model, data.test)));
    console.log(`      test accuracy, ours vs peer: ${ours.map((a, i) => `${a.toFixed(2)}/${peer.test[i].toFixed(2)}`).join(', ')}`);
    ours.forEach((a, i) => assert.ok(Math.abs(a - peer.test[i]) <= 0.1, `member ${i}: ours ${a}, peer ${peer.test[i]}`));
  });

  it('what we write back, unchanged or perturbed, has our accuracy in PyTorch (within 0.1 point)', () => {
    const { file, zoo } = sourceZoo();
    const dir = dirs.make();
    const unchanged = path.join(dir, 'unchanged.safetensors');
    writeTorchZoo(unchanged, model, zoo.params.map((params, i) => ({ params, buffers: zoo.buffers[i] })), zoo.metadata);
    if (file !== null) assertSameTensors(unchanged, file);
    // A stand-in for a generated model: member 0's vector plus noise, with member 0's BN statistics.
    const { set, manifest, buffers } = torchZooToVectors(zoo);
    const rng = new Rng(5);
    const row = set.data.slice(0, set.dim).map((v) => v + 0.02 * rng.normal());
    const perturbed = vectorsToMembers({ count: 1, dim: set.dim, data: row }, manifest, buffers[0]);
    const members = [...zoo.params.map((params, i) => ({ params, buffers: zoo.buffers[i] })), ...perturbed];
    const written = path.join(dir, 'with-perturbed.safetensors');
    writeTorchZoo(written, model, members);
    const back = readTorchZoo(written, model);
    const ours = members.map((_, i) => (loadTorchMember(model, back, i), ourAccuracy(model, data.test)));
    const torch = torchEval(written, dataDir);
    console.log(`      test accuracy, ours vs PyTorch: ${ours.map((a, i) => `${a.toFixed(2)}/${torch[i].toFixed(2)}`).join(', ')} (last: perturbed)`);
    assert.equal(torch.length, members.length);
    ours.forEach((a, i) => assert.ok(Math.abs(a - torch[i]) <= 0.1, `member ${i}: ours ${a}, PyTorch ${torch[i]}`));
    assert.notEqual(ours.at(-1), ours[0]);
  });

  it('a generator trained on the PyTorch zoo: generated whole networks written back have our accuracy in PyTorch (within 0.1 point)', () => {
    const { zoo } = sourceZoo();
    const { set, manifest } = torchZooToVectors(zoo);
    const dir = dirs.make();
    // Whole networks (24,058 values each); the zoo is a handful of members, so no held-out audit.
    const quick = preset('quick');
    const config: PdiffConfig = {
      ...quick,
      audit: { ...quick.audit, holdOutEvery: 0 },
      autoencoderTrain: { ...quick.autoencoderTrain, steps: 20, logEvery: 10 },
      denoiser: { channels: [8, 16] },
      diffusionTrain: { ...quick.diffusionTrain, steps: 20, logEvery: 10 },
      sampler: { ...quick.sampler, steps: 10 },
    };
    const pipe = new PDiffPipeline(config, { outDir: dir });
    try {
      pipe.useZoo(model, set);
      assert.equal(pipe.collection.manifest.size, manifest.size);
      pipe.fit();
      const generated = pipe.generate(2, { seed: 1 });
      // Each generated network gets its BN statistics recomputed on 500 training images (generated
      // weights do not match any member's), and is written back with them.
      const images = imagesTensor(subsetDataset(data.train, Array.from({ length: 500 }, (_, i) => i)));
      const members = Array.from({ length: generated.count }, (_, i) => {
        pipe.load(model, generated, i);
        recalibrateBatchNorm(model, images);
        return { ...readNetwork(model), accuracy: ourAccuracy(model, data.test) };
      });
      images.dispose();
      const written = path.join(dir, 'generated.safetensors');
      writeTorchZoo(written, model, members, { generator: 'p-diff' });
      const ours = members.map((m) => m.accuracy);
      const torch = torchEval(written, dataDir);
      console.log(`      generated whole networks, test accuracy ours vs PyTorch: ${ours.map((a, i) => `${a.toFixed(2)}/${torch[i].toFixed(2)}`).join(', ')}`);
      ours.forEach((a, i) => assert.ok(Math.abs(a - torch[i]) <= 0.1, `generated ${i}: ours ${a}, PyTorch ${torch[i]}`));
    } finally {
      pipe.dispose();
    }
  });

  /** The peer's zoo, or (no peer script) two ConvNet-S of ours trained for one epoch on 5,120 images. */
  function sourceZoo(): { file: string | null; zoo: ReturnType<typeof readTorchZoo> } {
    if (fs.existsSync(PEER_SEED_ZOO)) {
      const file = peerSeedZoo().zoo;
      return { file, zoo: readTorchZoo(file, model) };
    }
    const train = subsetDataset(data.train, Array.from({ length: 5120 }, (_, i) => i));
    const members = [1000, 1001].map((seed) => {
      const m = new ConvNetS(defaultConvNetSConfig, seed);
      trainModel(m, train, { ...defaultTrainConfig, epochs: 1, seed });
      const member = { params: readParams(m.params, names(m.params)), buffers: readParams(m.buffers, names(m.buffers)) };
      m.dispose();
      return member;
    });
    const file = path.join(dirs.make(), 'ours.safetensors');
    writeTorchZoo(file, model, members, { seeds: '[1000,1001]' });
    return { file: null, zoo: readTorchZoo(file, model) };
  }
});

/** Same tensor names, shapes and bits in two safetensors files. */
function assertSameTensors(a: string, b: string): void {
  const sorted = (file: string) => readSafetensors(file).tensors.sort((x, y) => (x.name < y.name ? -1 : 1));
  const [ta, tb] = [sorted(a), sorted(b)];
  assert.deepEqual(ta.map((t) => [t.name, t.shape]), tb.map((t) => [t.name, t.shape]));
  ta.forEach((t, i) => assert.deepEqual(bits(t.data), bits(tb[i].data), `${t.name} differs`));
}

function noFashionMnistReason(): string | null {
  try {
    locateFashionMnist();
    return null;
  } catch (err) {
    if (err instanceof DatasetNotFoundError) return err.message;
    throw err;
  }
}
