/**
 * Trains a task model and prints its val and test accuracy: the main job until the p-diff
 * runner exists. `npm run train-task -- [--data mnist|fashion-mnist] [--model convnet-s|mlp]
 * [--epochs N] [--seed N]`. The embedded MNIST works offline.
 */
import { parseArgs } from 'node:util';
import { describeBackend, initBackend } from '../backend';
import type { DataSplits } from '../data/dataset';
import { fashionMnistSplits } from '../data/fashion-mnist';
import { loadEmbeddedMnistSplits } from '../data/mnist';
import { createModel, defaultTrainConfig, evaluateModel, trainModel } from '../models';
import { progressLine } from '../viz/progress';
import { pctText } from '../viz/format';

const DATASETS: Record<string, (seed: number) => DataSplits> = {
  mnist: (seed) => loadEmbeddedMnistSplits(seed),
  'fashion-mnist': () => fashionMnistSplits(),
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: 'mnist' },
      model: { type: 'string', default: 'convnet-s' },
      epochs: { type: 'string', default: String(defaultTrainConfig.epochs) },
      seed: { type: 'string', default: '0' },
    },
  });
  const load = DATASETS[values.data];
  if (!load) throw new Error(`--data ${values.data}: use one of ${Object.keys(DATASETS).join(', ')}`);
  if (values.model !== 'convnet-s' && values.model !== 'mlp') throw new Error(`--model ${values.model}: use convnet-s or mlp`);
  const seed = Number(values.seed);
  const epochs = Number(values.epochs);
  if (!Number.isInteger(seed) || !Number.isInteger(epochs) || epochs < 1) throw new Error('--seed and --epochs take integers (epochs ≥ 1)');

  console.log(describeBackend(await initBackend()));
  const splits = load(seed);
  console.log(`data: ${values.data}, train ${splits.train.labels.length}, val ${splits.val.labels.length}, test ${splits.test.labels.length}`);
  const model = createModel({ kind: values.model }, seed);
  const result = trainModel(model, splits.train, { ...defaultTrainConfig, epochs, seed }, (p) => {
    console.log(progressLine(`train ${values.model}`, p.step, p.totalSteps, p.elapsedSeconds, { loss: p.loss, lr: p.lr }));
  });
  const val = evaluateModel(model, splits.val).accuracy;
  const test = evaluateModel(model, splits.test).accuracy;
  console.log(`${values.model} on ${values.data}, seed ${seed}, ${result.steps} steps in ${result.seconds.toFixed(1)} s: ` +
    `val accuracy ${pctText(val)}%, test accuracy ${pctText(test)}%`);
  model.dispose();
}

main().catch((err: Error) => {
  console.error(`error: ${err.message}`);
  process.exitCode = 1;
});
