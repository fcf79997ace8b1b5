import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import {
  ddimSample, ddimSigma, ddimStep, ddimTimesteps, ddpmSample, ddpmStep, defaultScheduleConfig, makeSchedule, qSample, sample,
  type EpsFn, type LatentSet, type NoiseSchedule,
} from '../lib/diffusion';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff } from './helpers/backends';

const schedule = makeSchedule();

/** A mixture of narrow isotropic Gaussians Σ_k w_k N(μ_k, s² I) in D dimensions. */
interface Mixture {
  means: number[][];
  std: number;
  weights: number[];
}

const toy: Mixture = { means: [[0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5], [0.5, -0.5]], std: 0.02, weights: [0.4, 0.3, 0.2, 0.1] };

/**
 * The exact ε of the mixture: p_t = Σ_k w_k N(√ᾱ μ_k, v I) with v = ᾱ s² + 1 − ᾱ, so
 * ε*(x, t) = −√(1 − ᾱ) ∇log p_t(x) = √(1 − ᾱ) / v · Σ_k r_k(x) (x − √ᾱ μ_k), r = responsibilities.
 */
function mixtureEps(m: Mixture, s: NoiseSchedule): EpsFn {
  return (x, t) => tf.tidy(() => {
    const n = t.length;
    const a = tf.tensor3d(Float32Array.from(t, (ti) => s.alphasCumprod[ti]), [n, 1, 1]); // [N, 1, 1]
    const v = a.mul(m.std ** 2).add(tf.scalar(1).sub(a)); // [N, 1, 1]
    const diff = x.expandDims(1).sub(a.sqrt().mul(tf.tensor2d(m.means).expandDims(0))); // [N, K, D]
    const logits = tf.log(tf.tensor1d(m.weights)).sub(diff.square().sum(2).div(v.reshape([n, 1]).mul(2))); // [N, K]
    const r = tf.softmax(logits).expandDims(2); // [N, K, 1]
    return r.mul(diff).sum(1).mul(tf.scalar(1).sub(a).sqrt().div(v).reshape([n, 1])) as tf.Tensor2D; // [N, D]
  });
}

/** Fraction of samples within `radius` of some mean, the share of each mode, and the per-coordinate spread. */
function modeStats(set: LatentSet, m: Mixture, radius: number) {
  const counts = m.means.map(() => 0);
  let near = 0;
  let sq = 0;
  for (let i = 0; i < set.count; i++) {
    const x = set.data.subarray(i * set.dim, (i + 1) * set.dim);
    const d2 = m.means.map((mu) => mu.reduce((acc, c, j) => acc + (x[j] - c) ** 2, 0));
    const k = d2.indexOf(Math.min(...d2));
    if (Math.sqrt(d2[k]) < radius) {
      near++;
      counts[k]++;
      sq += d2[k];
    }
  }
  return { nearFraction: near / set.count, shares: counts.map((c) => c / Math.max(near, 1)), std: Math.sqrt(sq / Math.max(near, 1) / set.dim) };
}

function assertLandsOnModes(set: LatentSet, what: string, spread?: [number, number], minNear = 0.95): void {
  const { nearFraction, shares, std } = modeStats(set, toy, 0.1);
  assert.ok(nearFraction > minNear, `${what}: only ${nearFraction} of samples within 0.1 of a mode`);
  shares.forEach((share, k) => assert.ok(Math.abs(share - toy.weights[k]) < 0.07, `${what}: mode ${k} got ${share}, weight ${toy.weights[k]}`));
  if (spread) assert.ok(std > spread[0] * toy.std && std < spread[1] * toy.std, `${what}: spread ${std} vs data ${toy.std}`);
}

describe('diffusion/samplers', () => {
  it('ddpmStep with the true ε: DDPM eq. 7 posterior mean, plus √β_t times the noise', () => {
    const rng = new Rng(1);
    const t = 300;
    tf.tidy(() => {
      const x0 = tf.tensor2d(rng.normalArray(12).map(Math.tanh), [4, 3]);
      const eps = tf.tensor2d(rng.normalArray(12), [4, 3]);
      const xt = qSample(x0, new Int32Array(4).fill(t), eps, schedule);
      const [a, aPrev, beta] = [schedule.alphasCumprod[t], schedule.alphasCumprod[t - 1], schedule.betas[t]];
      const expected = tf.add(x0.mul((Math.sqrt(aPrev) * beta) / (1 - a)), xt.mul((Math.sqrt(1 - beta) * (1 - aPrev)) / (1 - a)));
      const mean = ddpmStep(xt, eps, t, schedule, tf.zerosLike(xt), null);
      assert.ok(maxAbsDiff(mean.dataSync(), expected.dataSync()) < 1e-5);
      const noisy = ddpmStep(xt, eps, t, schedule, tf.onesLike(xt), null);
      assert.ok(maxAbsDiff(noisy.sub(mean).dataSync(), new Float32Array(12).fill(Math.sqrt(beta))) < 1e-5);
      // At t = 0 the step returns x̂_0 and needs no noise.
      assert.ok(maxAbsDiff(ddpmStep(qSample(x0, new Int32Array(4), eps, schedule), eps, 0, schedule, null, null).dataSync(), x0.dataSync()) < 1e-5);
      // Clamping: an absurd ε cannot push the sample out of [−1, 1].
      const clamped = ddpmStep(xt, eps.mul(100), t, schedule, tf.onesLike(xt), 1).dataSync();
      assert.ok(clamped.every((v) => Math.abs(v) <= 1));
      assert.throws(() => ddpmStep(xt, eps, t, schedule, null, null), InputError);
    });
  });

  it('ddimStep with η = 0 and the true ε lands exactly on q(x_prev | x_0) with the same ε (DDIM eq. 12)', () => {
    const rng = new Rng(2);
    tf.tidy(() => {
      const x0 = tf.tensor2d(rng.normalArray(10).map(Math.tanh), [5, 2]);
      const eps = tf.tensor2d(rng.normalArray(10), [5, 2]);
      const at = (t: number) => qSample(x0, new Int32Array(5).fill(t), eps, schedule);
      const prev = ddimStep(at(700), eps, 700, 400, schedule, 0, null, null);
      assert.ok(maxAbsDiff(prev.dataSync(), at(400).dataSync()) < 1e-5);
      // The last step goes to ᾱ = 1: x̂_0 itself; clamping x̂_0 (re-deriving ε) changes nothing in range.
      assert.ok(maxAbsDiff(ddimStep(at(20), eps, 20, -1, schedule, 0, null, 1).dataSync(), x0.dataSync()) < 1e-5);
      assert.throws(() => ddimStep(at(20), eps, 20, 20, schedule, 0, null, null), InputError);
      assert.throws(() => ddimStep(at(20), eps, 20, 10, schedule, 1, null, null), InputError);
    });
  });

  it('DDIM σ (eq. 16): η = 1 over one step is DDPM’s posterior std, η = 0 is 0', () => {
    for (const t of [1, 10, 500, 999]) {
      const sigma = ddimSigma(t, t - 1, schedule, 1);
      assert.ok(Math.abs(sigma - Math.sqrt(schedule.posteriorVariance[t])) < 1e-12, `t = ${t}: ${sigma}`);
      assert.equal(ddimSigma(t, t - 1, schedule, 0), 0);
    }
    assert.equal(ddimSigma(20, -1, schedule, 1), 0);
  });

  it('ddimTimesteps: the uniform subsequence ⌊i·T/S⌋', () => {
    assert.deepEqual(ddimTimesteps(1000, 50), Array.from({ length: 50 }, (_, i) => 20 * i));
    assert.deepEqual(ddimTimesteps(10, 3), [0, 3, 6]);
    assert.deepEqual(ddimTimesteps(5, 5), [0, 1, 2, 3, 4]);
    assert.throws(() => ddimTimesteps(10, 11), InputError);
    assert.throws(() => ddimTimesteps(10, 0), InputError);
  });

  it('DDPM with the exact ε of a Gaussian mixture lands on the modes with the right weights and spread', () => {
    const { samples } = ddpmSample(mixtureEps(toy, schedule), [600, 2], schedule, { seed: 0, clip: 1 });
    assert.deepEqual([samples.count, samples.dim], [600, 2]);
    assertLandsOnModes(samples, 'DDPM', [0.6, 1.5]);
  });

  it('DDPM without clamping lands there too; a wrong ε (sign flipped) does not', () => {
    const eps = mixtureEps(toy, schedule);
    assertLandsOnModes(ddpmSample(eps, [300, 2], schedule, { seed: 1, clip: null }).samples, 'DDPM, no clip', [0.6, 1.5]);
    const wrong: EpsFn = (x, t) => tf.tidy(() => eps(x, t).neg());
    assert.ok(modeStats(ddpmSample(wrong, [300, 2], schedule, { seed: 1 }).samples, toy, 0.1).nearFraction < 0.5);
  });

  // Coarse steps are a coarse ODE solve: with modes 50 std apart, 20 steps put ~91% within 5 std
  // (measured, seed 0), 30 steps ~98%, 50 steps all.
  for (const [steps, eta, clip, minNear] of [[50, 0, 1, 0.95], [30, 0, null, 0.95], [20, 0, null, 0.85], [50, 1, 1, 0.95]] as const) {
    it(`DDIM, ${steps} steps, η = ${eta}, clip ${clip}: lands on the modes with the right weights`, () => {
      const { samples } = ddimSample(mixtureEps(toy, schedule), [600, 2], schedule, { steps, eta, clip, seed: 0 });
      // The final jump x̂_0 = E[x_0 | x_τ1] from τ_1 ≥ 20 shrinks each mode: no lower bound on the spread.
      assertLandsOnModes(samples, `DDIM ${steps}/${eta}`, [0, 1.5], minNear);
    });
  }

  it('the same seed gives identical samples, another seed different ones (both samplers)', () => {
    const small = makeSchedule({ ...defaultScheduleConfig, steps: 50 });
    const eps = mixtureEps(toy, small);
    const run = (kind: 'ddpm' | 'ddim', seed: number) =>
      sample(eps, [20, 2], small, { kind, steps: 10, eta: 0.5, clip: 1, seed }).samples.data;
    for (const kind of ['ddpm', 'ddim'] as const) {
      assert.deepEqual(run(kind, 3), run(kind, 3));
      assert.notDeepEqual(run(kind, 3), run(kind, 4));
    }
  });

  it('records x_t at the requested timesteps: x_{T−1} is the N(0, I) start, x_0 is near the data', () => {
    const { trajectory, samples } = ddpmSample(mixtureEps(toy, schedule), [400, 2], schedule, { seed: 2, record: [999, 500, 0] });
    assert.deepEqual(trajectory.map((p) => p.t), [999, 500, 0]);
    const start = trajectory[0].x.data;
    const variance = start.reduce((acc, v) => acc + v * v, 0) / start.length;
    assert.ok(Math.abs(variance - 1) < 0.15, `x_999 variance ${variance}`);
    assert.ok(modeStats(trajectory[2].x, toy, 0.1).nearFraction > 0.9);
    assert.notDeepEqual(trajectory[2].x.data, samples.data);
    assert.throws(() => ddimSample(mixtureEps(toy, schedule), [4, 2], schedule, { seed: 0, steps: 50, record: [999] }), InputError);
    const ddim = ddimSample(mixtureEps(toy, schedule), [4, 2], schedule, { seed: 0, steps: 50, record: [980, 20] });
    assert.deepEqual(ddim.trajectory.map((p) => p.t), [980, 20]);
  });

  it('keeps the tensor count flat across steps and frees everything, also when eps throws', () => {
    const small = makeSchedule({ ...defaultScheduleConfig, steps: 30 });
    const eps = mixtureEps(toy, small);
    const before = tf.memory().numTensors;
    for (const kind of ['ddpm', 'ddim'] as const) {
      const counts: number[] = [];
      sample(eps, [8, 2], small, { kind, steps: 10, eta: 1, clip: 1, seed: 0 }, { onStep: () => counts.push(tf.memory().numTensors) });
      assert.equal(counts.length, kind === 'ddpm' ? 30 : 10);
      assert.ok(counts.every((c) => c === before + 1), `${kind}: ${counts}`); // the current x only
      assert.equal(tf.memory().numTensors, before);
    }
    let calls = 0;
    const failing: EpsFn = (x, t) => {
      if (++calls === 5) throw new Error('boom');
      return eps(x, t);
    };
    assert.throws(() => ddpmSample(failing, [8, 2], small, { seed: 0 }), /boom/);
    assert.equal(tf.memory().numTensors, before);
  });
});
