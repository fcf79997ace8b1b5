import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import {
  autoencoderPresets, decodeSet, defaultAutoencoderTrainConfig, encodeSet, ParamAutoencoder, reconstruct, trainAutoencoder,
  type AutoencoderConfig, type AutoencoderTrainConfig,
} from '../lib/autoencoder';
import { passRows } from '../lib/autoencoder/batches';
import type { VectorSet } from '../lib/params/types';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';

/** `count` vectors of length `dim` on a smooth 2-D manifold, standardised per position. */
function manifoldSet(count: number, dim: number, seed: number): VectorSet {
  const rng = new Rng(seed);
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const [a, b] = [rng.uniform() * 2 - 1, rng.uniform() * 2 - 1];
    for (let j = 0; j < dim; j++) data[i * dim + j] = Math.sin(3 * a + j / 7) + b * Math.cos(j / 5) + a * b;
  }
  for (let j = 0; j < dim; j++) {
    let mean = 0;
    for (let i = 0; i < count; i++) mean += data[i * dim + j] / count;
    let variance = 0;
    for (let i = 0; i < count; i++) variance += (data[i * dim + j] - mean) ** 2 / count;
    for (let i = 0; i < count; i++) data[i * dim + j] = (data[i * dim + j] - mean) / Math.sqrt(variance);
  }
  return { count, dim, data };
}

const tiny: AutoencoderConfig = { ...autoencoderPresets.small, encChannels: [2, 3], decChannels: [3, 8] };
const quick = (patch: Partial<AutoencoderTrainConfig>): AutoencoderTrainConfig => ({ ...defaultAutoencoderTrainConfig, ...patch });

describe('autoencoder training', () => {
  it('learns vectors on a 2-D manifold: loss after 150 steps < 0.5 × the first, reconstruction far below the mean predictor', () => {
    const data = manifoldSet(32, 100, 1);
    // The small preset's blocks, two of them, 4 latent channels: learns in ~150 default AdamW steps.
    const ae = new ParamAutoencoder({ ...autoencoderPresets.small, encChannels: [4, 4], decChannels: [4, 32] }, 100, 0);
    const run = trainAutoencoder(ae, data, quick({ steps: 150, logEvery: 50, seed: 0 }));
    assert.deepEqual(run.losses.map((l) => l.step), [1, 50, 100, 150]);
    const [first, last] = [run.losses[0].loss, run.losses[run.losses.length - 1].loss];
    assert.ok(last < 0.5 * first, `loss ${first} → ${last}`);
    // Standardised data: predicting the mean (0) gives an MSE of 1.
    const recon = reconstruct(ae, data);
    const mse = recon.data.reduce((s, v, i) => s + (v - data.data[i]) ** 2, 0) / recon.data.length;
    assert.ok(mse < 0.35, `noise-free reconstruction MSE ${mse}`);
    ae.dispose();
  });

  it('the same seed gives bit-identical losses and weights; another noise seed does not', () => {
    const data = manifoldSet(8, 40, 2);
    const runWith = (seed: number) => {
      const ae = new ParamAutoencoder(tiny, 40, 5);
      const run = trainAutoencoder(ae, data, quick({ steps: 6, logEvery: 1, seed }));
      const weights = ae.params.get('dec.1/conv2/weight')!.dataSync().slice();
      ae.dispose();
      return { losses: run.losses.map((l) => l.loss), weights };
    };
    const [a, b, c] = [runWith(7), runWith(7), runWith(8)];
    assert.equal(a.losses.length, 6);
    // Seed-pinned regression values (wasm; cpu agrees to ~2e-6).
    [1.2316062, 1.2289925, 1.1776966, 1.1443472, 1.1188177, 1.1265296].forEach((v, i) =>
      assert.ok(Math.abs(a.losses[i] - v) < 1e-5, `step ${i + 1}: ${a.losses[i]} vs pinned ${v}`));
    assert.deepEqual(a.losses, b.losses);
    assert.deepEqual(a.weights, b.weights);
    assert.notDeepEqual(a.losses.slice(1), c.losses.slice(1));
  });

  it('keeps the tensor count flat across steps and leaves no tensor behind', () => {
    const data = manifoldSet(8, 40, 3);
    const ae = new ParamAutoencoder(tiny, 40, 0);
    const before = tf.memory().numTensors;
    const during: number[] = [];
    trainAutoencoder(ae, data, quick({ steps: 1 }), () => during.push(tf.memory().numTensors));
    trainAutoencoder(ae, data, quick({ steps: 5, logEvery: 1 }), () => during.push(tf.memory().numTensors));
    assert.equal(tf.memory().numTensors, before);
    // At each report: the data tensor and the optimizer's two moments per parameter.
    assert.deepEqual(during, new Array(6).fill(before + 1 + 2 * ae.params.size));
    ae.dispose();
  });

  it('encodeSet / decodeSet are noise-free batched passes: the batch size changes nothing', () => {
    const data = manifoldSet(7, 40, 4);
    const ae = new ParamAutoencoder(tiny, 40, 0);
    const latents = encodeSet(ae, data);
    assert.deepEqual([latents.count, latents.dim], [7, 15]);
    const byThree = encodeSet(ae, data, 3);
    assert.ok(byThree.data.every((v, i) => Math.abs(v - latents.data[i]) < 1e-6));
    const decoded = decodeSet(ae, latents);
    assert.deepEqual([decoded.count, decoded.dim], [7, 40]);
    assert.deepEqual(reconstruct(ae, data).data, decoded.data);
    const direct = tf.tidy(() => ae.decode(ae.encode(tf.tensor2d(data.data, [7, 40]))).dataSync());
    assert.deepEqual(decoded.data, direct);
    ae.dispose();
  });

  it('noise-free passes take fewer rows at a time for long rows, and p-diff\'s subsets all at once', () => {
    assert.equal(passRows(778), 256);
    assert.equal(passRows(4096), 256);
    assert.equal(passRows(12730), 82);
    assert.equal(passRows(101770), 10);
    assert.equal(passRows(5_000_000), 1);
  });

  it('rejects a wrong dim or a NaN before any work, naming what is wrong', () => {
    const ae = new ParamAutoencoder(tiny, 40, 0);
    const weightsBefore = ae.params.get('enc.0/conv1/weight')!.dataSync().slice();
    const tensorsBefore = tf.memory().numTensors;
    const good = manifoldSet(4, 40, 5);
    const nan = { ...good, data: good.data.slice() };
    nan.data[2 * 40 + 7] = Number.NaN;
    const rejects = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(fn, (e: Error) => e instanceof InputError && pattern.test(e.message));
    rejects(() => trainAutoencoder(ae, manifoldSet(4, 41, 5), quick({ steps: 3 })), /training data has dim 41, the autoencoder expects 40/);
    rejects(() => trainAutoencoder(ae, nan, quick({ steps: 3 })), /autoencoder training data: row 2, position 7 holds NaN/);
    rejects(() => encodeSet(ae, nan), /autoencoder input: row 2, position 7 holds NaN/);
    rejects(() => decodeSet(ae, good), /latents has dim 40, the autoencoder expects 15/);
    rejects(() => reconstruct(ae, { count: 2, dim: 40, data: new Float32Array(79) }), /holds 79 numbers, not count × dim = 2 × 40/);
    assert.equal(tf.memory().numTensors, tensorsBefore);
    assert.deepEqual(ae.params.get('enc.0/conv1/weight')!.dataSync(), weightsBefore);
    ae.dispose();
  });

  it('a non-finite loss stops training with an error naming the stage and the step', () => {
    const ae = new ParamAutoencoder(tiny, 40, 0);
    ae.params.get('dec.1/conv2/bias')!.assign(tf.fill([1], Number.NaN));
    const tensorsBefore = tf.memory().numTensors;
    assert.throws(() => trainAutoencoder(ae, manifoldSet(4, 40, 6), quick({ steps: 10, logEvery: 5 })),
      /autoencoder training diverged: loss is NaN at step 1/);
    assert.equal(tf.memory().numTensors, tensorsBefore);
    ae.dispose();
  });
});
