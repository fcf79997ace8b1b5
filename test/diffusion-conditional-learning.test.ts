import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import {
  ConditionalLatentDenoiser, ddimSample, defaultDiffusionTrainConfig, guidedEps, makeSchedule, trainDiffusion,
  type ConditionalDenoiserConfig, type LatentSet,
} from '../lib/diffusion';
import { Rng } from '../lib/util/rng';

const K = 4;
const D = 8;
const PER_CLUSTER = 16;
/** Samples drawn per condition and guidance scale. */
const M = 32;

/** K cluster means in [−0.8, 0.8]^D, 16 latents around each (σ 0.05), condition = one-hot of the cluster. */
function clusters(seed: number) {
  const rng = new Rng(seed);
  const means = Array.from({ length: K }, () => Float32Array.from({ length: D }, () => rng.uniform() * 1.6 - 0.8));
  const n = K * PER_CLUSTER;
  const latents: LatentSet = { count: n, dim: D, data: new Float32Array(n * D) };
  const conditions: LatentSet = { count: n, dim: K, data: new Float32Array(n * K) };
  for (let i = 0; i < n; i++) {
    const k = i % K;
    conditions.data[i * K + k] = 1;
    for (let j = 0; j < D; j++) latents.data[i * D + j] = means[k][j] + 0.05 * rng.normal();
  }
  return { means, latents, conditions };
}

/** The index of the mean nearest to row i of `samples`. */
function nearest(means: Float32Array[], samples: Float32Array, i: number): number {
  const d2 = means.map((mu) => mu.reduce((s, v, j) => s + (samples[i * D + j] - v) ** 2, 0));
  return d2.indexOf(Math.min(...d2));
}

describe('conditional diffusion learns its conditions', () => {
  const { means, latents, conditions } = clusters(0);
  const schedule = makeSchedule();
  // M samples under each of the K conditions, in one batch of K·M rows.
  let condition: tf.Tensor2D;
  before(() => {
    condition = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from({ length: K * M }, (_, i) => Math.floor(i / M)), 'int32'), K).toFloat() as tf.Tensor2D);
  });
  after(() => condition.dispose());

  /** The fraction of samples whose nearest cluster mean is the one of their condition, at each guidance scale. */
  function trainAndSample(config: ConditionalDenoiserConfig, scales: number[]): number[] {
    const net = new ConditionalLatentDenoiser(D, schedule.steps, K, config, 0);
    const before = tf.memory().numTensors;
    trainDiffusion(net, { latents, conditions }, schedule, {
      ...defaultDiffusionTrainConfig, steps: 300, logEvery: 300, emaDecay: null, optimizer: { ...defaultDiffusionTrainConfig.optimizer, lr: 3e-3 },
    });
    const fractions = scales.map((s) => {
      const { data } = ddimSample(guidedEps(net, condition, s), [K * M, D], schedule, { seed: 1, steps: 20 }).samples;
      let right = 0;
      for (let i = 0; i < K * M; i++) if (nearest(means, data, i) === Math.floor(i / M)) right++;
      return right / (K * M);
    });
    assert.equal(tf.memory().numTensors, before);
    net.dispose();
    return fractions;
  }

  // Chance is 1/K = 0.25, about what s = 0 (the unconditional prediction) gets. Measured (native
  // backend, seed 0), s = 0 / 1 / 2: concat 0.23 / 0.97 / 1.00, film 0.22 / 0.68 / 0.89. With
  // norm 'instance' (p-diff's blocks) the same runs give concat 0.23 / 0.55 / 0.77 and film
  // 0.26 / 0.30 / 0.31; after 1,500 steps instead of 300: 'none' 0.99 / 0.94, 'instance' 0.80 / 0.63 at s = 1.
  it('concat: samples land at the cluster of their condition, more so with guidance 2', () => {
    const [s0, s1, s2] = trainAndSample({ channels: [8, 16], conditioning: 'concat', norm: 'none' }, [0, 1, 2]);
    assert.ok(s0 < 0.45 && s1 > 0.9 && s2 >= s1, `s = 0, 1, 2: ${s0}, ${s1}, ${s2}`);
  });

  it('film: samples land at the cluster of their condition, more so with guidance 2', () => {
    const [s0, s1, s2] = trainAndSample({ channels: [8, 16], conditioning: 'film', norm: 'none' }, [0, 1, 2]);
    assert.ok(s0 < 0.45 && s1 > 0.5 && s2 > 0.8, `s = 0, 1, 2: ${s0}, ${s1}, ${s2}`);
  });
});
