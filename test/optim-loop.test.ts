import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Ema } from '../lib/diffusion/ema';
import { FiniteGuard } from '../lib/optim/finite-guard';
import { runTrainingLoop, type LossTerms, type StepCheck, type TrainingLoop } from '../lib/optim/loop';
import { minimizeChecked } from '../lib/optim/minimize';
import { defaultAdamWConfig, Optimizer } from '../lib/optim/optimizer';
import type { LossPoint } from '../lib/optim/train-state';
import { FileFormatError, NumericalError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { readSafetensors } from '../lib/zoo/safetensors';
import { tmpDirs } from './helpers/tmp-dirs';

const dirs = tmpDirs('loop');
after(dirs.cleanup);
const tmpFile = () => path.join(dirs.make(), 'state.safetensors');
const savedStep = (file: string) => JSON.parse(readSafetensors(file).metadata.state).step as number;

/** A linear regression on 32 rows: each step fits 8 rows drawn from the loop's RNG (whose draws it records). */
function regression() {
  const x = tf.tensor2d(new Rng(1).normalArray(32 * 4), [32, 4]); // [N, 4]
  const y = tf.tidy(() => x.matMul(tf.tensor2d([[1], [-2], [0.5], [3]])).add(0.7)); // [N, 1]
  const params = new Map([['w', tf.variable(tf.zeros([4, 1]))], ['b', tf.variable(tf.zeros([1]))]]);
  const draws: number[] = [];
  const stepped: number[] = [];
  /** A loop over this problem; from step `nanAt` on the loss is NaN. */
  const loop = (over: Partial<TrainingLoop> = {}, nanAt = Infinity): TrainingLoop => ({
    stage: 'toy training', steps: 10, logEvery: 3, identity: { toy: 1 }, params, optimizer: defaultAdamWConfig, rng: 5,
    step: (step, { optimizer, rng }) => {
      const rows = Int32Array.from({ length: 8 }, () => rng.int(32));
      draws.push(rows[0]);
      stepped.push(step);
      return minimizeChecked(params, optimizer, () => {
        const residual = tf.gather(x, rows).matMul(params.get('w')!).add(params.get('b')!).sub(tf.gather(y, rows));
        return residual.square().mean().mul(step >= nanAt ? NaN : 1) as tf.Scalar;
      });
    },
    ...over,
  });
  const weights = () => [...params].map(([name, v]) => [name, Array.from(v.dataSync())] as const);
  const dispose = () => tf.dispose([x, y, ...params.values()]);
  return { params, draws, stepped, loop, weights, dispose };
}

type HalfPoint = LossPoint & { half: number };
/** Points with a second number, saved as the array "~half". */
const halves: LossTerms<HalfPoint> = {
  name: '~half',
  point: (step, loss) => ({ step, loss, half: loss / 2 }),
  toArray: (points) => ({ name: '~half', shape: [points.length], data: Float32Array.from(points, (p) => p.half) }),
  fromArray: (_file, losses, array) => losses.map((l, i) => ({ ...l, half: array!.data[i] })),
};

describe('runTrainingLoop', () => {
  it('stopped after step 7 and run again continues after the saved step 6: same draws, losses, weights, EMA and saved state as a straight run', () => {
    const run = (file: string, stopAt?: number) => {
      const toy = regression();
      const ema = new Ema(toy.params, 0.9);
      const logged: number[] = [];
      const onLog = (p: LossPoint) => { logged.push(p.step); if (p.step === stopAt) throw new Error('interrupted'); };
      const spec = toy.loop({ checkpoint: { file, every: 2 }, logEvery: 1, ema, terms: halves, onLog });
      const result = stopAt === undefined ? runTrainingLoop(spec) : (assert.throws(() => runTrainingLoop(spec), /interrupted/), null);
      const got = {
        draws: toy.draws, stepped: toy.stepped, logged, result, weights: toy.weights(),
        ema: [...ema.averages].map(([, v]) => Array.from(v.dataSync())), emaUpdates: ema.updates,
      };
      ema.dispose();
      toy.dispose();
      return got;
    };
    const straight = run(tmpFile());
    const file = tmpFile();
    const first = run(file, 7);
    assert.deepEqual(first.stepped, [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(savedStep(file), 6);
    const resumed = run(file);
    assert.deepEqual(resumed.stepped, [7, 8, 9, 10], 'continues after the saved step');
    assert.deepEqual(resumed.logged, [7, 8, 9, 10]);
    assert.deepEqual(resumed.draws, straight.draws.slice(6), 'the RNG continues where the state left it');
    assert.deepEqual(resumed.result, { ...straight.result, seconds: resumed.result!.seconds });
    assert.equal(resumed.result!.losses.length, 10);
    assert.ok((resumed.result!.losses as HalfPoint[]).every((p) => p.half === Math.fround(p.loss / 2)), 'the terms come back from the saved array');
    assert.deepEqual(resumed.weights, straight.weights);
    assert.deepEqual(resumed.ema, straight.ema);
    assert.equal(resumed.emaUpdates, 10, 'one EMA update a step, the saved ones included');
  });

  it('a finished state is loaded, not trained: the weights and losses of the run that saved it', () => {
    const file = tmpFile();
    const a = regression();
    const trained = runTrainingLoop(a.loop({ checkpoint: { file, every: 4 } }));
    const weights = a.weights();
    a.dispose();
    const b = regression();
    const loaded = runTrainingLoop(b.loop({ checkpoint: { file, every: 4 }, onLog: () => assert.fail('trained again') }));
    assert.deepEqual(b.stepped, []);
    assert.deepEqual(loaded.losses, trained.losses);
    assert.equal(loaded.steps, 10);
    assert.deepEqual(b.weights(), weights);
    b.dispose();
  });

  it('logs at step 1, every logEvery-th step and the last, or where logAt says; reads back only at log and save points; reports after the save', () => {
    const file = tmpFile();
    const toy = regression();
    const checked: number[] = [];
    const guard = new FiniteGuard('toy training');
    const spy: StepCheck = {
      get kept() { return guard.kept; },
      set kept(note) { guard.kept = note; },
      watch: (step, probe) => guard.watch(step, probe),
      check: (vars, step) => { checked.push(step); return guard.check(vars, step); },
      dispose: () => guard.dispose(),
    };
    const logged: [number, number | null][] = [];
    const onLog = (p: LossPoint) => logged.push([p.step, fs.existsSync(file) ? savedStep(file) : null]);
    const result = runTrainingLoop(toy.loop({ checkpoint: { file, every: 3 }, logEvery: 4, check: spy, onLog }));
    assert.deepEqual(logged, [[1, null], [4, 3], [8, 6], [10, 10]], '[logged step, saved step]');
    assert.deepEqual(result.losses.map((l) => l.step), [1, 4, 8, 10]);
    assert.deepEqual(checked, [1, 3, 4, 6, 8, 9, 10]);
    const other = regression();
    const epochEnds = runTrainingLoop(other.loop({ logAt: (step) => step % 5 === 0 }));
    assert.deepEqual(epochEnds.losses.map((l) => l.step), [5, 10]);
    toy.dispose();
    other.dispose();
  });

  it('a NaN loss between log points stops the loop with a NumericalError naming its step and the last good state, which stays on disk', () => {
    const file = tmpFile();
    const toy = regression();
    const before = tf.memory().numTensors;
    assert.throws(() => runTrainingLoop(toy.loop({ checkpoint: { file, every: 2 } }, 5)),
      (e: unknown) => e instanceof NumericalError && e.stage === 'toy training' && e.step === 5 &&
        e.message === `toy training diverged: loss is NaN at step 5; the last good state (after step 4) is kept in ${file}`);
    assert.deepEqual(toy.stepped, [1, 2, 3, 4, 5, 6], 'read back at step 6, a save point');
    assert.equal(tf.memory().numTensors, before);
    assert.equal(savedStep(file), 4);
    assert.ok(readSafetensors(file).tensors.every((t) => t.data.every(Number.isFinite)));
    toy.dispose();
  });

  it('minimizeChecked returns the loss and 0, or NaN when a gradient is not finite though the loss is', () => {
    const start = tf.memory().numTensors;
    /** The loss and the check of one step from a = 1 [2, 3], b = [4, c]: a·a + √b summed. */
    const checked = (c: number) => {
      const params = new Map([['a', tf.tidy(() => tf.variable(tf.ones([2, 3])))], ['b', tf.tidy(() => tf.variable(tf.tensor1d([4, c])))]]);
      const optimizer = new Optimizer(defaultAdamWConfig);
      const out = tf.tidy(() => minimizeChecked(params, optimizer, () => params.get('a')!.square().sum().add(params.get('b')!.sqrt().sum()) as tf.Scalar).arraySync());
      optimizer.dispose();
      tf.dispose([...params.values()]);
      return out;
    };
    assert.deepEqual(checked(1), [9, 0]);
    // d√b/db = 1/(2√b) is +Infinity at b = 0, while √0 = 0 keeps the loss finite.
    const [loss, check] = checked(0);
    assert.equal(loss, 8);
    assert.ok(Number.isNaN(check), `check ${check}`);
    assert.equal(tf.memory().numTensors, start);
  });

  it('keeps the tensor count flat over the steps, with saves, an EMA and a resume, and leaves nothing behind', () => {
    const file = tmpFile();
    const toy = regression();
    const ema = new Ema(toy.params, 0.9);
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const onLog = (p: LossPoint) => { counts.push(tf.memory().numTensors); if (p.step === 5) throw new Error('interrupted'); };
    assert.throws(() => runTrainingLoop(toy.loop({ checkpoint: { file, every: 2 }, logEvery: 1, ema, onLog })), /interrupted/);
    assert.equal(tf.memory().numTensors, before);
    runTrainingLoop(toy.loop({ checkpoint: { file, every: 2 }, logEvery: 1, ema, onLog: () => counts.push(tf.memory().numTensors) }));
    assert.equal(counts.length, 11); // steps 1–5, then 5–10 after the resume from step 4
    assert.ok(counts.every((c) => c === counts[0]), `${counts}`);
    assert.equal(tf.memory().numTensors, before);
    // A step that throws leaves the probes of the steps since the last check: they are disposed too.
    const failing = toy.loop({ logEvery: 3 });
    const step = failing.step;
    failing.step = (s, ctx) => { if (s === 5) throw new Error('broken step'); return step(s, ctx); };
    assert.throws(() => runTrainingLoop(failing), /broken step/);
    assert.equal(tf.memory().numTensors, before);
    ema.dispose();
    toy.dispose();
  });

  it('saves the generator state the stage names (the task model saves its epoch start)', () => {
    const file = tmpFile();
    const toy = regression();
    runTrainingLoop(toy.loop({ checkpoint: { file, every: 5 }, rngState: (step) => [step, 0, 0, 0] }));
    assert.deepEqual(JSON.parse(readSafetensors(file).metadata.state).rng, [10, 0, 0, 0]);
    toy.dispose();
  });

  it('refuses a saved state whose EMA averages do not match the loop, and a checkpoint without a seed of its own', () => {
    const file = tmpFile();
    const toy = regression();
    const ema = new Ema(toy.params, 0.9);
    runTrainingLoop(toy.loop({ checkpoint: { file, every: 5 }, ema }));
    assert.throws(() => runTrainingLoop(toy.loop({ checkpoint: { file, every: 5 }, ema: null })),
      (e: unknown) => e instanceof FileFormatError && /EMA averages do not match the config/.test(e.message));
    assert.throws(() => runTrainingLoop(toy.loop({ checkpoint: { file: tmpFile(), every: 5 }, rng: new Rng(5) })), /needs a seed/);
    assert.ok(fs.existsSync(file));
    ema.dispose();
    toy.dispose();
  });
});
