import type { DataSplits } from '../data/dataset';
import { fashionMnistSplits } from '../data/fashion-mnist';
import { loadEmbeddedMnistSplits } from '../data/mnist';
import type { PdiffConfig } from './config';

/** The splits a p-diff config names: the embedded MNIST split by seed, or the benchmark's Fashion-MNIST split. */
export function loadData(config: Pick<PdiffConfig, 'dataset' | 'seed'>): DataSplits {
  return config.dataset === 'mnist' ? loadEmbeddedMnistSplits(config.seed) : fashionMnistSplits();
}
