/**
 * D2NWG's two-level Set Transformer dataset encoder: a first Set Transformer over the S shots of
 * each class (all T·C classes as one batch of sets) gives the class embeddings [T, C, H]; a second
 * one over the C class embeddings of each task gives the dataset embedding [T, H]. Each level
 * pools with one PMA seed, so the embeddings are invariant to the order of shots and classes.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamBuilder } from '../models/layers';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import { checkConditionTensor } from './condition';
import { checkDatasetEncoderConfig, defaultDatasetEncoderConfig, type DatasetEncoderConfig, type SetTransformerConfig } from './config';
import { SetTransformer } from './set-transformer';
import type { DatasetEmbedding, DatasetEncoder } from './types';

export class SetTransformerEncoder implements DatasetEncoder {
  readonly kind = 'set-transformer';
  readonly params: Map<string, tf.Variable>;
  readonly embedSize: number;
  private readonly classLevel: SetTransformer;
  private readonly datasetLevel: SetTransformer;

  /** `features` F per shot; seeded PyTorch-default initialisation. */
  constructor(readonly features: number, readonly config: DatasetEncoderConfig = defaultDatasetEncoderConfig, seed = 0) {
    checkDatasetEncoderConfig(config);
    if (config.encoder !== 'set-transformer') throw new InputError(`SetTransformerEncoder needs encoder 'set-transformer', got '${config.encoder}'`);
    const b = new ParamBuilder(new Rng(seed));
    const level: SetTransformerConfig = { ...config.setTransformer, hidden: config.embedSize, seeds: 1, sabBlocks: 0 };
    this.classLevel = new SetTransformer(b, 'class', features, level);
    this.datasetLevel = new SetTransformer(b, 'dataset', config.embedSize, level);
    this.params = b.params;
    this.embedSize = config.embedSize;
  }

  embed(condition: tf.Tensor4D): DatasetEmbedding {
    checkConditionTensor(condition, this.features);
    return this.forward(condition);
  }

  forward(condition: tf.Tensor4D): DatasetEmbedding {
    return tf.tidy(() => {
      const [T, C, S, F] = condition.shape;
      const H = this.embedSize;
      const sets = condition.reshape([T * C, S, F]) as tf.Tensor3D; // [T·C, S, F]: one set per class
      const classes = this.classLevel.forward(sets).reshape([T, C, H]) as tf.Tensor3D; // [T·C, 1, H] → [T, C, H]
      const dataset = this.datasetLevel.forward(classes).reshape([T, H]) as tf.Tensor2D; // [T, 1, H] → [T, H]
      return { classes, dataset };
    });
  }

  dispose(): void {
    tf.dispose([...this.params.values()]);
  }
}
