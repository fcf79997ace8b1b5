import { initBackend } from './lib/backend';
import { loadEmbeddedMnistSplits } from './lib/data/mnist';
import { subsetDataset } from './lib/data/splits';
import { createModel, defaultTrainConfig, evaluateModel, trainModel } from './lib/models';
(async () => {
  await initBackend();
  const splits = loadEmbeddedMnistSplits(0);
  for (const [n, bs, ep, lr] of [[1024, 32, 2, 0.02], [2048, 64, 1, 0.05], [2048, 32, 1, 0.02]]) {
    const train = subsetDataset(splits.train, Int32Array.from({ length: n }, (_, i) => i));
    const model = createModel({ kind: 'convnet-s' }, 0);
    const t0 = Date.now();
    trainModel(model, train, { ...defaultTrainConfig, optimizer: { kind: 'sgd', lr, momentum: 0.9, weightDecay: 5e-4 }, epochs: ep, batchSize: bs, schedule: { kind: 'constant' } });
    console.log(n, bs, ep, lr, 'test', evaluateModel(model, splits.test).accuracy, (Date.now()-t0)/1000, 's');
  }
})();
