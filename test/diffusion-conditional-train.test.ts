import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  ConditionalLatentDenoiser, defaultDiffusionTrainConfig, defaultScheduleConfig, LatentDenoiser, makeSchedule, trainDiffusion,
  type ConditionalDenoiser, type DiffusionTrainConfig, type LatentSet,
} from '../lib/diffusion';
import { ConfigMismatchError, InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { tmpDirs } from './helpers/tmp-dirs';

const dirs = tmpDirs('conditional-train');
after(dirs.cleanup);

const N = 12;
const D = 6;
const DC = 3;
const T = 30;
const schedule = makeSchedule({ ...defaultScheduleConfig, steps: T });
const matrix = (count: number, dim: number, seed: number): LatentSet => ({ count, dim, data: new Rng(seed).normalArray(count * dim, 0.5) });
const latents = matrix(N, D, 1);
const conditions = matrix(N, DC, 2);
const net = (conditioning: 'concat' | 'film' = 'concat') => new ConditionalLatentDenoiser(D, T, DC, { channels: [3, 4], conditioning }, 0);
const config = (over: Partial<DiffusionTrainConfig>): DiffusionTrainConfig =>
  ({ ...defaultDiffusionTrainConfig, steps: 6, logEvery: 1, seed: 4, emaDecay: 0.9, ...over });
const weights = (params: Map<string, tf.Variable>) => [...params].map(([name, v]) => [name, v.dataSync().slice()] as const);

/**
 * A conditional denoiser whose condition is the latent's row index (Dc = 1), recording per call
 * the rows and the drop mask it was given; ε̂ = w·x.
 */
function recorder() {
  const w = tf.tidy(() => tf.variable(tf.scalar(0.5)));
  const calls: { rows: number[]; drop: number[] }[] = [];
  const denoiser: ConditionalDenoiser = {
    dim: D, timesteps: T, conditionDim: 1, params: new Map([['w', w]]),
    predict: (x) => x.mul(w),
    predictConditional: (x, _t, c, drop) => {
      calls.push({ rows: [...c.dataSync()], drop: [...(drop ?? [])] });
      return x.mul(w);
    },
  };
  const index: LatentSet = { count: N, dim: 1, data: Float32Array.from({ length: N }, (_, i) => i) };
  return { denoiser, calls, index, dispose: () => w.dispose() };
}

describe('diffusion/train with conditions', () => {
  for (const conditioning of ['concat', 'film'] as const) {
    it(`${conditioning}: conditionDropout 1 trains exactly as no conditions (the null condition on every row)`, () => {
      const run = (withConditions: boolean) => {
        const d = net(conditioning);
        const result = trainDiffusion(d, withConditions ? { latents, conditions } : latents, schedule, config({ conditionDropout: 1, batchSize: 8 }));
        const got = { losses: result.losses, weights: weights(d.params), ema: weights(result.ema!.averages) };
        result.ema!.dispose();
        d.dispose();
        return got;
      };
      const dropped = run(true);
      assert.deepEqual(dropped, run(false));
      // …and the conditions do change training when they are kept.
      const d = net(conditioning);
      const kept = trainDiffusion(d, { latents, conditions }, schedule, config({ conditionDropout: 0, batchSize: 8, emaDecay: null }));
      assert.notDeepEqual(weights(d.params), dropped.weights);
      assert.equal(kept.losses.length, 6);
      d.dispose();
    });
  }

  it('batchSize draws that many distinct rows per step, seeded per step, with their own conditions and a drop mask of rate p', () => {
    const { denoiser, calls, index, dispose } = recorder();
    const steps = 40;
    trainDiffusion(denoiser, { latents, conditions: index }, schedule, config({ steps, batchSize: 5, conditionDropout: 0.3, emaDecay: null, logEvery: steps }));
    assert.equal(calls.length, steps);
    for (const { rows, drop } of calls) {
      assert.equal(new Set(rows).size, 5);
      assert.ok(rows.every((r) => Number.isInteger(r) && r >= 0 && r < N));
      assert.equal(drop.length, 5);
    }
    assert.equal(new Set(calls.map((c) => c.rows.join())).size, steps, 'every step draws other rows');
    assert.equal(new Set(calls.flatMap((c) => c.rows)).size, N, 'every row is drawn at some step');
    const drops = calls.flatMap((c) => c.drop);
    const rate = drops.reduce((s, v) => s + v, 0) / drops.length;
    assert.ok(rate > 0.18 && rate < 0.42, `drop rate ${rate} for p = 0.3`);
    // The same seed draws the same rows and masks; without batchSize every row comes, in order.
    const first = calls.splice(0);
    trainDiffusion(denoiser, { latents, conditions: index }, schedule, config({ steps, batchSize: 5, conditionDropout: 0.3, emaDecay: null, logEvery: steps }));
    assert.deepEqual(calls.splice(0), first);
    trainDiffusion(denoiser, { latents, conditions: index }, schedule, config({ steps: 2, conditionDropout: 0, emaDecay: null }));
    assert.deepEqual(calls.map((c) => c.rows), [[...index.data], [...index.data]]);
    assert.deepEqual(calls[0].drop, new Array(N).fill(0));
    dispose();
  });

  it('an unconditional denoiser trains on minibatches too; batchSize null keeps the full-batch losses', () => {
    const run = (batchSize: number | null | undefined) => {
      const d = new LatentDenoiser(D, T, { channels: [3, 4] }, 0);
      const sizes: number[] = [];
      const predict = d.predict.bind(d);
      d.predict = (x, t) => { sizes.push(x.shape[0]); return predict(x, t); };
      const { losses } = trainDiffusion(d, latents, schedule, config({ steps: 3, emaDecay: null, batchSize }));
      d.dispose();
      return { sizes, losses };
    };
    const full = run(undefined);
    assert.deepEqual(full.sizes, [N, N, N]);
    assert.deepEqual(run(null), full);
    const mini = run(4);
    assert.deepEqual(mini.sizes, [4, 4, 4]);
    assert.notDeepEqual(mini.losses, full.losses);
  });

  it('resumes bit-identically with conditions, minibatches and dropout; a state of other conditions is refused', () => {
    const over = { steps: 9, logEvery: 1, batchSize: 5, conditionDropout: 0.3 };
    const reference = net('film');
    const straight = trainDiffusion(reference, { latents, conditions }, schedule, config(over));
    const file = path.join(dirs.make(), 'cond.safetensors');
    const first = net('film');
    const stopAt7 = (p: { step: number }) => { if (p.step === 7) throw new Error('interrupted'); };
    assert.throws(() => trainDiffusion(first, { latents, conditions }, schedule, config(over), stopAt7, { file, every: 3 }), /interrupted/);
    const second = net('film');
    const resumed = trainDiffusion(second, { latents, conditions }, schedule, config(over), undefined, { file, every: 3 });
    assert.deepEqual(weights(second.params), weights(reference.params));
    assert.deepEqual(weights(resumed.ema!.averages), weights(straight.ema!.averages));
    assert.deepEqual(resumed.losses, straight.losses);
    const other = matrix(N, DC, 9);
    assert.throws(() => trainDiffusion(second, { latents, conditions: other }, schedule, config(over), undefined, { file, every: 3 }),
      (e: unknown) => e instanceof ConfigMismatchError && e.fields.join() === 'conditions');
    [straight, resumed].forEach((r) => r.ema!.dispose());
    [reference, first, second].forEach((d) => d.dispose());
  });

  it('keeps the tensor count flat across steps and frees everything it made', () => {
    const d = net('film');
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const { ema } = trainDiffusion(d, { latents, conditions }, schedule, config({ steps: 8, batchSize: 6 }), () => counts.push(tf.memory().numTensors));
    // From step 1 on: the latents, the conditions, the EMA averages and the optimizer's moments.
    assert.ok(counts.every((c) => c === counts[0]), `${counts}`);
    assert.equal(counts[0], before + 2 + 3 * d.params.size);
    ema!.dispose();
    assert.equal(tf.memory().numTensors, before);
    d.dispose();
  });

  it('rejects conditions that do not fit, naming the problem, without leaking', () => {
    const d = net();
    const plain = new LatentDenoiser(D, T, { channels: [3] }, 0);
    const before = tf.memory().numTensors;
    const one = config({ steps: 1 });
    assert.throws(() => trainDiffusion(d, { latents, conditions: matrix(N, DC + 1, 3) }, schedule, one), /conditions must be \[N, 3\] for this denoiser, got \[12,4\]/);
    assert.throws(() => trainDiffusion(d, { latents, conditions: matrix(N - 1, DC, 3) }, schedule, one), /12 latents but 11 conditions/);
    assert.throws(() => trainDiffusion(plain, { latents, conditions }, schedule, one), /the denoiser is not conditional/);
    const withNaN = matrix(N, DC, 3);
    withNaN.data[7] = Number.NaN;
    assert.throws(() => trainDiffusion(d, { latents, conditions: withNaN }, schedule, one), /conditions: row 2, position 1 holds NaN/);
    const nanTensor = tf.tensor2d(withNaN.data, [N, DC]);
    assert.throws(() => trainDiffusion(d, { latents, conditions: nanTensor }, schedule, one), /conditions hold NaN or Infinity/);
    nanTensor.dispose();
    assert.throws(() => trainDiffusion(d, { latents, conditions }, schedule, config({ batchSize: N + 1 })), /batchSize must be null or an integer in \[1, 12\]/);
    assert.throws(() => trainDiffusion(d, latents, schedule, config({ batchSize: 0 })), InputError);
    assert.throws(() => trainDiffusion(d, { latents, conditions }, schedule, config({ conditionDropout: 1.5 })), /conditionDropout must be in \[0, 1\]/);
    assert.equal(tf.memory().numTensors, before);
    d.dispose();
    plain.dispose();
  });
});
