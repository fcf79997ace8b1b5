import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  decodeRows, defaultVaeConfig, defaultVaeTrainConfig, encodeRows, loadVae, rowBehaviourTerm, saveVae, trainVae, WeightVae, type VaeConfig, type VaeTrainConfig,
} from '../lib/vae';
import { fitNormStats } from '../lib/params/normalize';
import type { VectorSet } from '../lib/params/types';
import { ConfigMismatchError, FileFormatError, InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { readSafetensors, writeSafetensors } from '../lib/zoo/safetensors';
import { tmpDirs } from './helpers/tmp-dirs';

const dirs = tmpDirs('vae');
after(dirs.cleanup);

/**
 * `count` rows of length `dim` from a low-rank mixture: one of `clusters` centres plus a rank-`rank`
 * combination, a little noise, then per-feature scales e^N(0,1) and an offset (so normalisation matters).
 */
function lowRankRows(count: number, dim: number, seed: number, rank = 6, clusters = 4): VectorSet {
  const rng = new Rng(seed);
  const basis = rng.normalArray(rank * dim);
  const centres = rng.normalArray(clusters * dim, 2);
  const scales = Float32Array.from({ length: dim }, () => Math.exp(rng.normal()));
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const c = rng.int(clusters);
    const coef = rng.normalArray(rank);
    for (let j = 0; j < dim; j++) {
      let v = centres[c * dim + j] + 0.05 * rng.normal();
      for (let r = 0; r < rank; r++) v += coef[r] * basis[r * dim + j];
      data[i * dim + j] = scales[j] * v + 0.1;
    }
  }
  return { count, dim, data };
}

/** ‖x − y‖² / ‖x − mean(x)‖² with per-feature means: 1 for the mean predictor, 0 for a perfect one. */
function relativeMse(x: VectorSet, y: VectorSet): number {
  let [error, spread] = [0, 0];
  for (let j = 0; j < x.dim; j++) {
    let mean = 0;
    for (let i = 0; i < x.count; i++) mean += x.data[i * x.dim + j] / x.count;
    for (let i = 0; i < x.count; i++) {
      error += (x.data[i * x.dim + j] - y.data[i * x.dim + j]) ** 2;
      spread += (x.data[i * x.dim + j] - mean) ** 2;
    }
  }
  return error / spread;
}

const tiny: VaeConfig = { ...defaultVaeConfig, latentDim: 8, hidden: [64] };
const quick = (patch: Partial<VaeTrainConfig>): VaeTrainConfig => ({ ...defaultVaeTrainConfig, ...patch });
const weights = (vae: WeightVae) => [...vae.params].map(([name, v]) => [name, v.dataSync().slice()] as const);

describe('weight VAE training', () => {
  it('learns 200 low-rank rows of 65: relative reconstruction error < 0.05 after 300 steps (measured 0.010), held-out rows < 0.08 (measured 0.017)', () => {
    const all = lowRankRows(250, 65, 1);
    const train = { count: 200, dim: 65, data: all.data.slice(0, 200 * 65) };
    const heldOut = { count: 50, dim: 65, data: all.data.slice(200 * 65) };
    const vae = new WeightVae(tiny, 65, 0);
    const run = trainVae(vae, train, quick({ steps: 300, batchSize: 200, logEvery: 100 }));
    assert.deepEqual(run.losses.map((l) => l.step), [1, 100, 200, 300]);
    const [first, last] = [run.losses[0], run.losses[3]];
    assert.ok(first.recon > 0.9 && last.recon < 0.05, `recon ${first.recon} → ${last.recon}`);
    assert.ok(last.kl > first.kl, `KL grows as the latent carries information: ${first.kl} → ${last.kl}`);
    for (const l of run.losses) assert.ok(Math.abs(l.loss - (l.recon + (1e-6 * l.kl) / 65)) < 1e-6, `loss = recon + beta·KL/D at step ${l.step}`);
    const reconstruct = (set: VectorSet) => decodeRows(vae, encodeRows(vae, set));
    const [trainError, heldOutError] = [relativeMse(train, reconstruct(train)), relativeMse(heldOut, reconstruct(heldOut))];
    assert.ok(trainError < 0.05, `train relative MSE ${trainError}`);
    assert.ok(heldOutError < 0.08, `held-out relative MSE ${heldOutError}`);
    vae.dispose();
  });

  it('stores per-feature statistics; encodeRows / decodeRows are batch-size independent and undo them', () => {
    const rows = lowRankRows(30, 12, 2);
    const vae = new WeightVae(tiny, 12, 0);
    assert.throws(() => encodeRows(vae, rows), /the VAE has no normalisation statistics/);
    trainVae(vae, rows, quick({ steps: 2, batchSize: 8 }));
    assert.equal(vae.norm?.mode, 'position');
    const mean0 = rows.data.filter((_, i) => i % 12 === 0).reduce((s, v) => s + v, 0) / 30;
    assert.ok(Math.abs(vae.norm!.mean[0] - mean0) < 1e-5);
    const latents = encodeRows(vae, rows);
    assert.deepEqual([latents.count, latents.dim], [30, 8]);
    const byFour = encodeRows(vae, rows, 4);
    assert.ok(byFour.data.every((v, i) => Math.abs(v - latents.data[i]) < 1e-5));
    // decodeRows = denormalise(decode(z)).
    const decoded = decodeRows(vae, latents);
    const direct = tf.tidy(() => vae.decode(tf.tensor2d(latents.data, [30, 8])).dataSync());
    const { mean, std } = vae.norm as { mean: number[]; std: number[] };
    decoded.data.forEach((v, i) => assert.ok(Math.abs(v - (direct[i] * std[i % 12] + mean[i % 12])) < 1e-4));
    vae.dispose();
  });

  it('the same seed gives identical losses and weights; another seed does not', () => {
    const rows = lowRankRows(20, 10, 3);
    const runWith = (seed: number) => {
      const vae = new WeightVae(tiny, 10, 5);
      const run = trainVae(vae, rows, quick({ steps: 6, batchSize: 8, logEvery: 1, seed }));
      const w = vae.params.get('dec.out/weight')!.dataSync().slice();
      vae.dispose();
      return { losses: run.losses, w };
    };
    const [a, b, c] = [runWith(7), runWith(7), runWith(8)];
    assert.equal(a.losses.length, 6);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.losses.map((l) => l.recon), c.losses.map((l) => l.recon));
  });

  it('keeps the tensor count flat across steps and leaves no tensor behind', () => {
    const rows = lowRankRows(20, 10, 4);
    const vae = new WeightVae({ ...tiny, inputNoise: 0.01 }, 10, 0);
    const before = tf.memory().numTensors;
    const during: number[] = [];
    trainVae(vae, rows, quick({ steps: 1, batchSize: 8 }), () => during.push(tf.memory().numTensors));
    trainVae(vae, rows, quick({ steps: 7, batchSize: 8, logEvery: 1 }), () => during.push(tf.memory().numTensors));
    assert.equal(tf.memory().numTensors, before);
    // At each report: the rows, the last step's [recon, KL] and the optimizer's two moments per parameter.
    assert.deepEqual(during, new Array(8).fill(before + 2 + 2 * vae.params.size));
    vae.dispose();
  });

  it('resumes bit-identically: stopped after step 6, resumed mid-epoch from the state of step 4', () => {
    const rows = lowRankRows(20, 10, 5);
    // 3 batches per epoch (8, 8, 4 rows): step 4 is the first of epoch 2, so the run resumes inside it.
    const config = quick({ steps: 12, batchSize: 8, logEvery: 3, seed: 3 });
    const make = () => new WeightVae({ ...tiny, inputNoise: 0.01 }, 10, 1);
    const straightVae = make();
    const straight = trainVae(straightVae, rows, config);
    const file = path.join(dirs.make(), 'vae-state.safetensors');
    const checkpoint = { file, every: 4 };
    const first = make();
    assert.throws(() => trainVae(first, rows, config, (p) => { if (p.step === 6) throw new Error('interrupted'); }, checkpoint), /interrupted/);
    first.dispose();
    const second = make();
    const steps: number[] = [];
    const resumed = trainVae(second, rows, config, (p) => steps.push(p.step), checkpoint);
    assert.deepEqual(steps, [6, 9, 12], 'continues after step 4, the last saved');
    assert.deepEqual(resumed.losses.map((l) => l.step), [1, 3, 6, 9, 12]);
    assert.deepEqual(resumed.losses, straight.losses);
    assert.deepEqual(weights(second), weights(straightVae));
    assert.deepEqual(second.norm, straightVae.norm);
    // A finished state is loaded without training; another config is refused.
    const third = make();
    let reported = 0;
    assert.deepEqual(trainVae(third, rows, config, () => reported++, checkpoint).losses, straight.losses);
    assert.equal(reported, 0);
    assert.throws(() => trainVae(third, rows, { ...config, batchSize: 4 }, undefined, checkpoint),
      (e: Error) => e instanceof ConfigMismatchError && e.fields.includes('train.batchSize'));
    [straightVae, second, third].forEach((v) => v.dispose());
  });

  it('saves and loads a trained VAE: same weights, config and statistics, bit-identical latents', () => {
    const rows = lowRankRows(20, 10, 6);
    const vae = new WeightVae({ ...tiny, activation: 'tanh', beta: 1e-3 }, 10, 0);
    trainVae(vae, rows, quick({ steps: 5, batchSize: 8 }));
    const file = path.join(dirs.make(), 'vae.safetensors');
    saveVae(file, vae);
    const loaded = loadVae(file);
    assert.deepEqual([loaded.config, loaded.inDim, loaded.norm], [vae.config, vae.inDim, vae.norm]);
    assert.deepEqual(weights(loaded), weights(vae));
    assert.deepEqual(encodeRows(loaded, rows).data, encodeRows(vae, rows).data);
    // A file whose config does not fit its weights, or that lacks a weight, is refused.
    const { tensors, metadata } = readSafetensors(file);
    const tampered = path.join(dirs.make(), 'bad.safetensors');
    writeSafetensors(tampered, tensors, { ...metadata, vae: metadata.vae.replace('"latentDim":8', '"latentDim":9') });
    assert.throws(() => loadVae(tampered), (e: Error) => e instanceof FileFormatError && /VAE parameters: "dec.0\/weight" has shape \[8,64\], expected \[9,64\]/.test(e.message));
    writeSafetensors(tampered, tensors.filter((t) => t.name !== 'dec.0/bias'), metadata);
    assert.throws(() => loadVae(tampered), (e: Error) => e instanceof FileFormatError && /VAE parameters do not match: missing \[dec.0\/bias\]/.test(e.message));
    [vae, loaded].forEach((v) => v.dispose());
  });

  it('rejects wrong rows and a NaN before any work, and stops at a non-finite loss naming the step', () => {
    const vae = new WeightVae(tiny, 10, 0);
    const before = tf.memory().numTensors;
    const w = vae.params.get('enc.0/weight')!.dataSync().slice();
    const good = lowRankRows(8, 10, 7);
    const nan = { ...good, data: good.data.slice() };
    nan.data[3 * 10 + 4] = Number.NaN;
    const rejects = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(fn, (e: Error) => e instanceof InputError && pattern.test(e.message), `expected ${pattern}`);
    rejects(() => trainVae(vae, lowRankRows(8, 11, 7), quick({ steps: 2 })), /VAE training rows has dim 11, the autoencoder expects 10/);
    rejects(() => trainVae(vae, nan, quick({ steps: 2 })), /VAE training rows: row 3, position 4 holds NaN/);
    rejects(() => trainVae(vae, good, quick({ steps: 2, batchSize: 0 })), /VAE batchSize must be an integer ≥ 1, got 0/);
    assert.deepEqual(vae.params.get('enc.0/weight')!.dataSync(), w);
    trainVae(vae, good, quick({ steps: 1 }));
    rejects(() => encodeRows(vae, nan), /VAE input rows: row 3, position 4 holds NaN/);
    rejects(() => decodeRows(vae, good), /VAE latents has dim 10, the autoencoder expects 8/);
    tf.tidy(() => vae.params.get('dec.out/bias')!.assign(tf.fill([10], Number.NaN)));
    assert.throws(() => trainVae(vae, good, quick({ steps: 10, logEvery: 5 })), /VAE training diverged: loss is NaN at step 1/);
    assert.equal(tf.memory().numTensors, before);
    vae.dispose();
  });

  describe('the behavioural term (rows as [w, b] logit functions on query features)', () => {
    // Two rows over one feature, raw [w, b]: (1, 0) and (5, 2); per-feature mean (3, 1), std (2, 1).
    const originals: VectorSet = { count: 2, dim: 2, data: Float32Array.of(1, 0, 5, 2) };
    const norm = fitNormStats(originals, 'position');
    const queries: VectorSet = { count: 3, dim: 1, data: Float32Array.of(1, 2, 99) }; // the first two are the query set
    const term = () => rowBehaviourTerm({ weight: 1, queries: 2 }, { originals, norm, queries });
    const value = (t: ReturnType<typeof term>, decoded: number[][], batch?: number[]) =>
      tf.tidy(() => t.loss(tf.tensor2d(decoded), batch && Int32Array.from(batch)).dataSync()[0]);

    it('is 0 for the originals and matches a hand-computed value otherwise, in raw units over the logits\' spread', () => {
      const before = tf.memory().numTensors;
      const t = term();
      assert.deepEqual(norm, { mode: 'position', mean: [3, 1], std: [2, 1] });
      // Normalised originals: (−1, −1) and (1, 1).
      assert.equal(value(t, [[-1, -1], [1, 1]]), 0);
      // Scale S: the rows' logits on x = 1 are 1 and 7 (variance 9), on x = 2 they are 2 and 12 (variance 25): S = 17.
      // Row 0's w + 0.5 normalised = +1 raw: logit errors 1, 2; row 1's b − 0.5: errors −0.5, −0.5.
      // Mean of the squares (1 + 4 + 0.25 + 0.25) / 4 = 1.375, over S.
      assert.ok(Math.abs(value(t, [[-0.5, -1], [1, 0.5]]) - 1.375 / 17) < 1e-7);
      // A minibatch holding row 1 alone: (0.25 + 0.25) / 2 over S.
      assert.ok(Math.abs(value(t, [[1, 0.5]], [1]) - 0.25 / 17) < 1e-7);
      // The mean row (0 normalised) in place of every row scores 1, as the normalised MSE does.
      assert.ok(Math.abs(value(t, [[0, 0], [0, 0]]) - 1) < 1e-6);
      const short = tf.zeros([1, 2]) as tf.Tensor2D;
      assert.throws(() => t.loss(short), /reconstructions must be \[2, 2\], got \[1, 2\]/);
      short.dispose();
      t.dispose();
      assert.equal(tf.memory().numTensors, before);
    });

    it('refuses a bad config or query set with an InputError naming the field', () => {
      const rejects = (fn: () => unknown, pattern: RegExp) =>
        assert.throws(fn, (e: Error) => e instanceof InputError && pattern.test(e.message), `expected ${pattern}`);
      rejects(() => rowBehaviourTerm({ weight: -1, queries: 2 }, { originals, norm, queries }), /vaeTrain.behaviour.weight must be a finite number ≥ 0, got -1/);
      rejects(() => rowBehaviourTerm({ weight: 1, queries: 1.5 }, { originals, norm, queries }), /vaeTrain.behaviour.queries must be a positive integer, got 1.5/);
      rejects(() => rowBehaviourTerm({ weight: 1, queries: 4 }, { originals, norm, queries }), /queries is 4, but 3 query vectors were given/);
      rejects(() => rowBehaviourTerm({ weight: 1, queries: 1 }, { originals, norm, queries: { count: 1, dim: 2, data: Float32Array.of(1, 2) } }),
        /rows of 2 numbers are \[w, b\] over 1 features, but the query vectors have 2/);
      const rows = lowRankRows(20, 10, 8);
      const vae = new WeightVae(tiny, 10, 0);
      rejects(() => trainVae(vae, rows, quick({ steps: 2, behaviour: { weight: 1, queries: 4 } })), /vaeTrain.behaviour is on, but no query feature vectors were given/);
      vae.dispose();
    });

    /** Rows of 10 = [w (9), b] and 40 query vectors of 9 features. */
    const rows = lowRankRows(40, 10, 9);
    const featureSet: VectorSet = { count: 40, dim: 9, data: new Rng(10).normalArray(40 * 9) };
    const behaviour = { weight: 1, queries: 32 };

    it('trains it down with the reconstruction, logs it, keeps the tensor count flat and leaves no tensor behind', () => {
      const vae = new WeightVae(tiny, 10, 0);
      const before = tf.memory().numTensors;
      const during: number[] = [];
      const run = trainVae(vae, rows, quick({ steps: 150, batchSize: 16, logEvery: 50, behaviour }), () => during.push(tf.memory().numTensors), undefined, featureSet);
      assert.equal(tf.memory().numTensors, before);
      // The rows, the last step's [recon, KL, behaviour], the optimizer's two moments per parameter, the term's originals and probe.
      assert.deepEqual(during, new Array(4).fill(before + 2 + 2 * vae.params.size + 2));
      const [first, last] = [run.losses[0], run.losses[run.losses.length - 1]];
      assert.ok(first.behaviour! > 0.5 && last.behaviour! < 0.5 * first.behaviour!, `behaviour ${first.behaviour} → ${last.behaviour}`);
      assert.ok(last.loss < 0.5 * first.loss, `loss ${first.loss} → ${last.loss}`);
      for (const l of run.losses) assert.ok(Math.abs(l.loss - (l.recon + (1e-6 * l.kl) / 10 + l.behaviour!)) < 1e-5, `loss = recon + beta·KL/D + behaviour at step ${l.step}`);
      vae.dispose();
    });

    it('weight 0 trains exactly as without it; a saved state pins the term and its queries, and one saved without it has no trace of it', () => {
      const file = path.join(dirs.make(), 'vae-state.safetensors');
      const runWith = (config: VaeTrainConfig, queries?: VectorSet, checkpoint?: { file: string; every: number }) => {
        const vae = new WeightVae(tiny, 10, 2);
        try {
          return { losses: trainVae(vae, rows, config, undefined, checkpoint, queries).losses, w: weights(vae) };
        } finally {
          vae.dispose();
        }
      };
      const off = quick({ steps: 4, batchSize: 16, logEvery: 2 });
      const plain = runWith(off, undefined, { file, every: 2 });
      assert.deepEqual(runWith({ ...off, behaviour: { weight: 0, queries: 32 } }), plain);
      assert.ok(plain.losses.every((l) => l.behaviour === null));
      const saved = JSON.parse(readSafetensors(file).metadata.config) as { train: Record<string, unknown>; queries?: string };
      assert.ok(!('behaviour' in saved.train) && !('queries' in saved), 'a state without the term is pinned as before the term existed');
      const on = { ...off, behaviour };
      assert.throws(() => runWith(on, featureSet, { file, every: 2 }), (e: Error) => e instanceof ConfigMismatchError && e.fields.includes('train.behaviour'));
      const fileOn = path.join(dirs.make(), 'vae-state.safetensors');
      const straight = runWith(on, featureSet, { file: fileOn, every: 2 });
      assert.deepEqual(runWith(on, featureSet, { file: fileOn, every: 2 }), straight, 'a finished state with the term reloads, its curve included');
      assert.ok(straight.losses.every((l) => l.behaviour! > 0));
      const otherQueries = { ...featureSet, data: featureSet.data.map((v) => -v) };
      assert.throws(() => runWith(on, otherQueries, { file: fileOn, every: 2 }), (e: Error) => e instanceof ConfigMismatchError && e.fields.includes('queries'));
    });
  });
});
