import type { TaskSources } from '../../lib/d2nwg/task-zoo/extractor';
import { blobs } from './tiny-pdiff';

/** Separable 12×12 class blobs standing in for MNIST and Fashion-MNIST in the D2NWG tests. */
export const blobSources: TaskSources = {
  mnist: { train: blobs(200, 1), val: blobs(60, 2), test: blobs(60, 3) },
  'fashion-mnist': { train: blobs(200, 4), val: blobs(60, 5), test: blobs(60, 6) },
};
