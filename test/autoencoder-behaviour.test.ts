// The autoencoder's behavioural loss: off (null or weight 0) it trains exactly as without it; on, its
// term falls and its gradient reaches the decoder, through the MLP's whole-network cut and through
// ConvNet-S's bn3 + fc cut (the native kernel's gradient); the tensor count stays flat; bad configs and
// a cut it cannot train through are refused before any work.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  autoencoderPresets, behaviourTerm, behaviourWeight, defaultAutoencoderTrainConfig, ParamAutoencoder, reconstruct, trainAutoencoder,
  type AutoencoderTrainConfig, type BehaviourLossConfig, type BehaviourTerm,
} from '../lib/autoencoder';
import { ConvNetS, defaultConvNetSConfig, splitFor } from '../lib/models';
import type { TaskModel } from '../lib/models/task-model';
import { normalize } from '../lib/params/normalize';
import type { VectorSet } from '../lib/params/types';
import { wholeVariant } from '../lib/pdiff/whole/ablations';
import { wholePreset } from '../lib/pdiff/whole/config';
import { runWhole } from '../lib/pdiff/whole/run';
import { InputError } from '../lib/util/errors';
import { createModel } from '../lib/models';
import { PDiffPipeline, pdiffSeeds } from '../lib/pdiff';
import { klOn20 as kl, mlpZoo, queryImages as images } from './helpers/mlp-zoo';
import { tinyConfig, tinyData } from './helpers/tiny-pdiff';
import { tmpDirs } from './helpers/tmp-dirs';

const tinyAe = { ...autoencoderPresets.small, encChannels: [2, 3], decChannels: [3, 8] };
const train = (patch: Partial<AutoencoderTrainConfig>): AutoencoderTrainConfig => ({ ...defaultAutoencoderTrainConfig, ...patch });

function termOf(zoo: ReturnType<typeof mlpZoo>, config: BehaviourLossConfig = kl): BehaviourTerm {
  return behaviourTerm(config, { ...zoo, images });
}

/** The term on the noise-free reconstructions of the training rows. */
function termValue(term: BehaviourTerm, ae: ParamAutoencoder, set: VectorSet): number {
  const recon = reconstruct(ae, set);
  return tf.tidy(() => term.loss(tf.tensor2d(recon.data, [recon.count, recon.dim])).dataSync()[0]);
}

const allWeights = (ae: ParamAutoencoder) => [...ae.params.values()].map((v) => v.dataSync().slice());

const rejects = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: Error) => e instanceof InputError && pattern.test(e.message), `expected an InputError matching ${pattern}`);

describe('autoencoder behavioural loss', () => {
  const dirs = tmpDirs('behaviour');
  let zoo: ReturnType<typeof mlpZoo>;
  before(() => { zoo = mlpZoo(); });
  after(() => {
    zoo.model.dispose();
    dirs.cleanup();
  });

  it('null, or weight 0 with a term given, trains bit-identically to the trainer without the option', () => {
    const term = termOf(zoo);
    const runWith = (behaviour: BehaviourLossConfig | null, given?: BehaviourTerm) => {
      const ae = new ParamAutoencoder(tinyAe, zoo.originals.dim, 5);
      const run = trainAutoencoder(ae, zoo.standardized, train({ steps: 5, logEvery: 1, seed: 7, behaviour }), undefined, undefined, given);
      const out = { losses: run.losses.map((l) => l.loss), weights: allWeights(ae) };
      ae.dispose();
      return out;
    };
    const plain = runWith(null);
    assert.deepEqual(runWith({ ...kl, weight: 0 }, term), plain);
    assert.deepEqual(runWith(null, term), plain);
    const on = runWith(kl, term);
    assert.notDeepEqual(on.losses, plain.losses);
    term.dispose();
  });

  for (const loss of ['kl', 'mse'] as const) {
    it(`${loss}: the term reaches every decoder weight, and training with it lowers it more than training without`, () => {
      const term = termOf(zoo, { ...kl, loss });
      const x = tf.tensor2d(zoo.standardized.data, [zoo.originals.count, zoo.originals.dim]);
      const ae = new ParamAutoencoder(tinyAe, zoo.originals.dim, 5);
      const decoder = [...ae.params].filter(([name]) => name.startsWith('dec.') && name.endsWith('/weight')).map(([, v]) => v);
      const norms = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => term.loss(ae.trainForward(x, { input: 1, latent: 2 })), decoder);
        return decoder.map((v) => grads[v.name].abs().sum().dataSync()[0]);
      });
      norms.forEach((n, i) => assert.ok(n > 0, `no gradient reaches decoder weight ${i}`));
      ae.dispose();
      const after = (weight: number) => {
        const trained = new ParamAutoencoder(tinyAe, zoo.originals.dim, 5);
        trainAutoencoder(trained, zoo.standardized, train({ steps: 30, logEvery: 10, seed: 7, behaviour: { ...kl, loss, weight } }), undefined, undefined, term);
        const value = termValue(term, trained, zoo.standardized);
        trained.dispose();
        return value;
      };
      const untrained = new ParamAutoencoder(tinyAe, zoo.originals.dim, 5);
      const start = termValue(term, untrained, zoo.standardized);
      untrained.dispose();
      const [without, withTerm] = [after(0), after(100)];
      // Measured (native): kl 0.0243 → 0.0172 with the term, 0.0255 without; mse 0.0849 → 0.0685, 0.0863 without.
      assert.ok(withTerm < 0.85 * start, `${loss}: ${start} → ${withTerm} in 30 steps`);
      assert.ok(withTerm < without, `${loss}: ${withTerm} with the term, ${without} without`);
      x.dispose();
      term.dispose();
    });
  }

  it('keeps the tensor count flat across steps with the option on, and the term frees what it holds', () => {
    const before = tf.memory().numTensors;
    const term = termOf(zoo);
    const ae = new ParamAutoencoder(tinyAe, zoo.originals.dim, 0);
    const built = tf.memory().numTensors;
    const during: number[] = [];
    trainAutoencoder(ae, zoo.standardized, train({ steps: 6, logEvery: 1, behaviour: kl }), () => during.push(tf.memory().numTensors), undefined, term);
    // At each report: the data tensor and the optimizer's two moments per parameter.
    assert.deepEqual(during, new Array(6).fill(built + 1 + 2 * ae.params.size));
    assert.equal(tf.memory().numTensors, built);
    ae.dispose();
    term.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('through ConvNet-S\'s bn3 + fc cut (p-diff\'s subset): the pipeline\'s reconstructions keep the originals\' outputs better', function () {
    this.timeout(300_000);
    const dir = dirs.make();
    const run = (behaviour: BehaviourLossConfig | null) => {
      const config = { ...tinyConfig, autoencoderTrain: { ...tinyConfig.autoencoderTrain, steps: 60, behaviour } };
      const model = createModel(config.collect.model, pdiffSeeds(config.seed).init);
      const pipeline = new PDiffPipeline(config, { outDir: dir, resume: 'collection' }); // the second run reloads the zoo
      try {
        const collection = pipeline.collect(model, tinyData);
        pipeline.fit();
        const term = behaviourTerm({ ...kl, queryImages: 64 }, {
          model, split: collection.split, manifest: collection.manifest, norm: pipeline.norm, originals: pipeline.members.training, images: tinyData.train,
        });
        const value = termValue(term, pipeline.autoencoder, normalize(pipeline.members.training, pipeline.norm));
        term.dispose();
        return value;
      } finally {
        pipeline.dispose();
        model.dispose();
      }
    };
    const [without, withTerm] = [run(null), run({ ...kl, queryImages: 64, weight: 1000 })];
    // Measured (native): 5.7e-5 without, 2.7e-5 with (a trajectory's snapshots are near-copies: the term is small, hence the weight).
    assert.ok(withTerm < 0.7 * without, `KL of the reconstructions to the originals: ${withTerm} with the term, ${without} without`);
  });

  it('refuses a bad config, a missing or mismatched term, too few images and a cut it cannot train through', () => {
    rejects(() => behaviourWeight({ ...kl, weight: -1 }), /behaviour\.weight must be a finite number ≥ 0, got -1/);
    rejects(() => behaviourWeight({ ...kl, weight: Number.NaN }), /behaviour\.weight must be a finite number ≥ 0, got NaN/);
    rejects(() => behaviourWeight({ ...kl, queryImages: 0 }), /behaviour\.queryImages must be a positive integer, got 0/);
    rejects(() => behaviourWeight({ ...kl, loss: 'l1' as never }), /behaviour\.loss must be one of kl, mse, got "l1"/);
    assert.equal(behaviourWeight(null), 0);

    const tensorsBefore = tf.memory().numTensors;
    const ae = new ParamAutoencoder(tinyAe, zoo.originals.dim, 0);
    const weightsBefore = allWeights(ae);
    rejects(() => trainAutoencoder(ae, zoo.standardized, train({ steps: 2, behaviour: { ...kl, weight: -0.5 } })), /weight must be a finite number ≥ 0, got -0\.5/);
    rejects(() => trainAutoencoder(ae, zoo.standardized, train({ steps: 2, behaviour: kl })), /behaviour is on, but no behavioural term was given/);
    const term = termOf(zoo);
    const fewer = { count: 5, dim: zoo.standardized.dim, data: zoo.standardized.data.subarray(0, 5 * zoo.standardized.dim) };
    rejects(() => trainAutoencoder(ae, fewer, train({ steps: 2, behaviour: kl }), undefined, undefined, term),
      /the behavioural term knows the outputs of 6 rows, the autoencoder's training set has 5/);
    term.dispose();
    assert.deepEqual(allWeights(ae), weightsBefore);
    ae.dispose();

    rejects(() => termOf(zoo, { ...kl, queryImages: 41 }), /queryImages is 41, but there are only 40 training images/);
    // A whole ConvNet-S has no functional cut: its fallback loads each model into the variables.
    const convnet: TaskModel = new ConvNetS(defaultConvNetSConfig, 0);
    const names = [...convnet.params.keys()];
    rejects(() => behaviourTerm(kl, { ...zoo, model: convnet, split: splitFor(convnet, names), images }),
      /behavioural loss needs a differentiable cut, but the convnet-s model's cut for its head \(conv1\/weight, bn1\/weight, bn1\/bias, …\)/);
    convnet.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore);

    // Whole-network generation refuses it before training a zoo.
    const dir = path.join(dirs.make(), 'run');
    rejects(() => runWhole(wholeVariant(wholePreset('whole'), 'latent-ddpm-behaviour'), tinyData, { outDir: dir }), /needs a differentiable cut, but the convnet-s model's/);
    assert.ok(!fs.existsSync(dir), 'the refused run wrote its directory');
  });
});
