/** The tensor shapes of a p-diff preset's models, which the micro-benchmarks run at. */
import { autoencoderGeometry } from '../autoencoder/config';
import { createModel } from '../models/registry';
import { selectParamNames } from '../params/select';
import type { PdiffConfig } from '../pdiff/config';

export interface ModelShapes {
  /** Task-model training batch (pdiff-small: 128). */
  taskBatch: number;
  /** One image [H, W, C]: (Fashion-)MNIST, 28 × 28 × 1. */
  image: [number, number, number];
  numClasses: number;
  /** K snapshots: the full batch of the autoencoder and of the denoiser (pdiff-small: 200). */
  snapshots: number;
  /** Length of the generated subset (pdiff-small: 778). */
  subsetSize: number;
  /** Length of the flattened latent (pdiff-small, AE "small": 20). */
  latentDim: number;
}

export function modelShapes(config: PdiffConfig): ModelShapes {
  const model = createModel(config.collect.model, 0);
  try {
    const names = selectParamNames([...model.params.keys()], config.collect.subset);
    const subsetSize = names.reduce((n, name) => n + model.params.get(name)!.size, 0);
    return {
      taskBatch: config.collect.train.batchSize,
      image: [28, 28, 1],
      numClasses: 10,
      snapshots: config.collect.snapshots,
      subsetSize,
      latentDim: autoencoderGeometry(config.autoencoder, subsetSize).latentDim,
    };
  } finally {
    model.dispose();
  }
}
