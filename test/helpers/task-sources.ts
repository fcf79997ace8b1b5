import { preset, type D2nwgConfig, type TaskSources } from '../../lib/d2nwg';
import { blobs } from './tiny-pdiff';

/** Separable 12×12 class blobs standing in for MNIST and Fashion-MNIST in the D2NWG tests. */
export const blobSources: TaskSources = {
  mnist: { train: blobs(200, 1), val: blobs(60, 2), test: blobs(60, 3) },
  'fashion-mnist': { train: blobs(200, 4), val: blobs(60, 5), test: blobs(60, 6) },
};

const smoke = preset('smoke');

/**
 * The smoke preset on the blobs: 6 training tasks of 2 heads, 10 held-out tasks, 4 samples each.
 * Heads train 20 epochs and the extractor 2 (1 leaves the pooled features near chance).
 */
export const blobConfig: D2nwgConfig = {
  ...smoke,
  preset: 'test',
  zoo: {
    ...smoke.zoo,
    data: { ...smoke.zoo.data, trainPerClass: null, valPerClass: null, testPerClass: null },
    extractor: { ...smoke.zoo.extractor, train: { ...smoke.zoo.extractor.train, epochs: 2 } },
    heads: { ...smoke.zoo.heads, epochs: 20 },
  },
};
