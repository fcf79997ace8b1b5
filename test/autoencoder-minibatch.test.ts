// The autoencoder's minibatch option: null trains exactly as the full-batch trainer always did (and its
// saved states keep their identity); a number trains each step on rows drawn from the trainer's seeded
// stream, resumes bit-identically, keeps the tensor count flat, and hands its rows to the behavioural term.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  autoencoderPresets, behaviourTerm, defaultAutoencoderTrainConfig, ParamAutoencoder, trainAutoencoder,
  type AutoencoderTrainConfig,
} from '../lib/autoencoder';
import type { Mlp } from '../lib/models';
import { minimizeChecked, Optimizer } from '../lib/optim';
import { dataFingerprint } from '../lib/optim/train-state';
import type { VectorSet } from '../lib/params/types';
import { configHash } from '../lib/util/config-diff';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { readSafetensors } from '../lib/zoo/safetensors';
import { klOn20 as kl, mlpZoo, queryImages as images } from './helpers/mlp-zoo';
import { tmpDirs } from './helpers/tmp-dirs';

const tinyAe = { ...autoencoderPresets.small, encChannels: [2, 3], decChannels: [3, 8] };
const data: VectorSet = { count: 7, dim: 40, data: new Rng(1).normalArray(7 * 40) };
const config = (patch: Partial<AutoencoderTrainConfig>): AutoencoderTrainConfig =>
  ({ ...defaultAutoencoderTrainConfig, steps: 6, logEvery: 1, seed: 3, ...patch });
const allWeights = (ae: ParamAutoencoder) => [...ae.params.values()].map((v) => v.dataSync().slice());
const interrupted = /interrupted/;
const stopAt = (at: number) => (p: { step: number }) => { if (p.step === at) throw new Error('interrupted'); };

/** The trainer written out step by step: full batch (p-diff's, as it was before the option), or the documented draw of `batchSize` rows. */
function referenceRun(cfg: AutoencoderTrainConfig) {
  const ae = new ParamAutoencoder(tinyAe, data.dim, 5);
  const rng = new Rng(cfg.seed);
  const optimizer = new Optimizer(cfg.optimizer);
  const x = tf.tensor2d(data.data, [data.count, data.dim]);
  const losses: number[] = [];
  for (let step = 1; step <= cfg.steps; step++) {
    const seeds = { input: rng.seed(), latent: rng.seed() };
    const rows = cfg.batchSize === null ? null : rng.permutation(data.count).subarray(0, cfg.batchSize);
    const probe = minimizeChecked(ae.params, optimizer, () => {
      const batch = rows ? tf.gather(x, rows) : x;
      return ae.trainForward(batch, seeds).sub(batch).square().mean() as tf.Scalar;
    });
    losses.push(probe.dataSync()[0]);
    probe.dispose();
  }
  x.dispose();
  optimizer.dispose();
  const out = { losses, weights: allWeights(ae) };
  ae.dispose();
  return out;
}

function trainerRun(cfg: AutoencoderTrainConfig, checkpoint?: { file: string; every: number }, onProgress?: (p: { step: number }) => void) {
  const ae = new ParamAutoencoder(tinyAe, data.dim, 5);
  try {
    const run = trainAutoencoder(ae, data, cfg, onProgress, checkpoint);
    return { losses: run.losses.map((l) => l.loss), weights: allWeights(ae) };
  } finally {
    ae.dispose();
  }
}

describe('autoencoder minibatch training', () => {
  const dirs = tmpDirs('ae-minibatch');
  after(dirs.cleanup);

  it('batchSize null is the full-batch trainer bit for bit, and its saved state is pinned to the identity states had before the option', () => {
    const full = config({ batchSize: null });
    assert.deepEqual(trainerRun(full), referenceRun(full));
    const file = path.join(dirs.make(), 'ae.safetensors');
    trainerRun(full, { file, every: 3 });
    const { batchSize, behaviour, ...before } = full;
    assert.equal(batchSize, null);
    assert.equal(behaviour, null);
    const ae = new ParamAutoencoder(tinyAe, data.dim, 5);
    const identity = { train: before, model: ae.config, inDim: ae.inDim, data: dataFingerprint(data.data) };
    ae.dispose();
    assert.equal(readSafetensors(file).metadata.configSha256, configHash(identity));
  });

  it('a number trains each step on rows drawn from the trainer\'s stream (after the noise seeds), unlike the full batch', () => {
    const mini = config({ batchSize: 3 });
    const run = trainerRun(mini);
    assert.deepEqual(run, referenceRun(mini));
    assert.notDeepEqual(run.losses.slice(1), trainerRun(config({ batchSize: null })).losses.slice(1));
    assert.deepEqual(trainerRun(mini), run, 'the same seed gives the same run');
  });

  it('stopped after step 5 and resumed from the state of step 4: the uninterrupted minibatch run, bit for bit', () => {
    const mini = config({ batchSize: 2, steps: 8 });
    const straight = trainerRun(mini);
    const checkpoint = { file: path.join(dirs.make(), 'ae.safetensors'), every: 2 };
    assert.throws(() => trainerRun(mini, checkpoint, stopAt(5)), interrupted);
    const steps: number[] = [];
    assert.deepEqual(trainerRun(mini, checkpoint, (p) => steps.push(p.step)), straight);
    assert.deepEqual(steps, [5, 6, 7, 8]);
    // A full-batch state is not a minibatch one.
    assert.throws(() => trainerRun(config({ batchSize: null, steps: 8 }), checkpoint), /batchSize/);
  });

  it('refuses a batch size that is not an integer in [1, rows] before any work', () => {
    const ae = new ParamAutoencoder(tinyAe, data.dim, 5);
    const weightsBefore = allWeights(ae);
    const tensors = tf.memory().numTensors;
    for (const bad of [0, 8, 2.5, Number.NaN]) {
      assert.throws(() => trainAutoencoder(ae, data, config({ batchSize: bad })),
        (e: Error) => e instanceof InputError && e.message.includes(`batchSize must be null (every row) or an integer in [1, 7] (the training rows), got ${bad}`));
    }
    assert.equal(tf.memory().numTensors, tensors);
    assert.deepEqual(allWeights(ae), weightsBefore);
    ae.dispose();
  });

  describe('with the behavioural term', () => {
    let model: Mlp;
    let zoo: { term: ReturnType<typeof behaviourTerm>; standardized: VectorSet };
    before(() => {
      const made = mlpZoo();
      model = made.model;
      zoo = { term: behaviourTerm(kl, { ...made, images }), standardized: made.standardized };
    });
    after(() => {
      zoo.term.dispose();
      model.dispose();
    });

    it('the term of a minibatch compares each decoded row with its own original: the mean of the rows\' single-row terms', () => {
      const { term, standardized } = zoo;
      const decoded = tf.tensor2d(new Rng(9).normalArray(6 * standardized.dim), [6, standardized.dim]);
      const value = (t: tf.Scalar) => { const v = t.dataSync()[0]; t.dispose(); return v; };
      const single = [0, 1, 2, 3, 4, 5].map((r) => tf.tidy(() => value(term.loss(decoded.slice([r, 0], [1, -1]), Int32Array.of(r)))));
      const batch = Int32Array.of(4, 1, 5);
      const ofBatch = tf.tidy(() => value(term.loss(tf.gather(decoded, batch), batch)));
      const expected = [4, 1, 5].reduce((s, r) => s + single[r], 0) / 3;
      assert.ok(Math.abs(ofBatch - expected) < 1e-6 * Math.max(1, expected), `${ofBatch} vs ${expected}`);
      // Rows mistaken for others give another value: the single-row terms differ.
      assert.ok(Math.abs(single[4] - single[0]) > 1e-4, `${single[4]} vs ${single[0]}`);
      const all = tf.tidy(() => value(term.loss(decoded)));
      assert.ok(Math.abs(all - single.reduce((s, v) => s + v, 0) / 6) < 1e-6 * Math.max(1, all));
      assert.throws(() => term.loss(decoded, batch), /reconstructions must be \[3, \d+\], got \[6, \d+\]/);
      assert.throws(() => tf.tidy(() => term.loss(decoded.slice([0, 0], [1, -1]), Int32Array.of(6))), /row 6 is not one of the 6 training rows/);
      decoded.dispose();
    });

    it('keeps the tensor count flat across minibatch steps with the term on, and leaves no tensor behind', () => {
      const ae = new ParamAutoencoder(tinyAe, zoo.standardized.dim, 0);
      const before = tf.memory().numTensors;
      const during: number[] = [];
      const run = trainAutoencoder(ae, zoo.standardized, config({ batchSize: 2, behaviour: kl }), () => during.push(tf.memory().numTensors), undefined, zoo.term);
      // At each report: the data tensor and the optimizer's two moments per parameter.
      assert.deepEqual(during, new Array(6).fill(before + 1 + 2 * ae.params.size));
      assert.equal(tf.memory().numTensors, before);
      assert.ok(run.losses.every((l) => Number.isFinite(l.loss)));
      ae.dispose();
    });
  });
});
