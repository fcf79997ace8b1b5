import * as tf from '@tensorflow/tfjs';
import { initBackend } from './lib/backend';
import { createModel, defaultTrainConfig, trainModel } from './lib/models';
import { Rng } from './lib/util/rng';
(async () => {
  await initBackend();
  const rng = new Rng(0);
  const n = 128 * 6;
  const data = { name: 's', shape: [28, 28, 1] as [number, number, number], numClasses: 10, images: rng.normalArray(n * 784), labels: Int32Array.from({ length: n }, () => rng.int(10)) };
  const model = createModel({ kind: 'convnet-s' }, 0);
  trainModel(model, data, { ...defaultTrainConfig, epochs: 1 });
  const t0 = performance.now();
  const r = trainModel(model, data, { ...defaultTrainConfig, epochs: 2 });
  console.log('ms/step (batch 128)', ((performance.now() - t0) / r.steps).toFixed(1));
  // profile
  const prof = await tf.profile(() => { trainModel(model, data, { ...defaultTrainConfig, epochs: 1 }); });
  const agg = new Map<string, number>();
  for (const k of prof.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  console.log([...agg].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `${k} ${(v / 6).toFixed(1)}`).join('\n'));
})();
