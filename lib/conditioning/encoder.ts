/** Picks a dataset encoder by config string, and turns embeddings into the denoiser's per-row condition. */
import * as tf from '@tensorflow/tfjs';
import { defaultDatasetEncoderConfig, type DatasetEncoderConfig } from './config';
import { MlpDatasetEncoder } from './mlp-encoder';
import { SetTransformerEncoder } from './set-transformer-encoder';
import type { DatasetEmbedding, DatasetEncoder } from './types';

/** The encoder `config.encoder` names, for `features` F per shot, seeded. */
export function makeDatasetEncoder(features: number, config: DatasetEncoderConfig = defaultDatasetEncoderConfig, seed = 0): DatasetEncoder {
  return config.encoder === 'mlp' ? new MlpDatasetEncoder(features, config, seed) : new SetTransformerEncoder(features, config, seed);
}

/**
 * The condition of head row k of task t: concat(class_k, dataset_t): [T, C, 2H]. Row k of a
 * generated head follows class k of the condition (class-row-wise generation).
 */
export function conditionVector(embedding: DatasetEmbedding): tf.Tensor3D {
  return tf.tidy(() => {
    const [T, C, H] = embedding.classes.shape;
    const dataset = embedding.dataset.reshape([T, 1, H]).add(tf.zeros([1, C, 1])); // [T, C, H]; broadcast, whose gradient is one sum (tile's is a slice per copy)
    return tf.concat([embedding.classes, dataset], 2) as tf.Tensor3D; // [T, C, 2H]
  });
}
