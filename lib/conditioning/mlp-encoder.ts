/**
 * The MLP alternative to the Set Transformer encoder (DeepSets-style, Zaheer et al. 2017):
 * class embedding = ρ_c(mean over shots of φ(shot)), dataset embedding = ρ_d(mean over classes
 * of the class embeddings). Means make it invariant to the order of shots and classes.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamBuilder } from '../models/layers';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import { checkConditionTensor } from './condition';
import { checkDatasetEncoderConfig, type DatasetEncoderConfig } from './config';
import { buildMlp, mlp } from './layers';
import type { DatasetEmbedding, DatasetEncoder } from './types';

export class MlpDatasetEncoder implements DatasetEncoder {
  readonly kind = 'mlp';
  readonly params: Map<string, tf.Variable>;
  readonly embedSize: number;

  /** `features` F per shot; seeded PyTorch-default initialisation. */
  constructor(readonly features: number, readonly config: DatasetEncoderConfig, seed = 0) {
    checkDatasetEncoderConfig(config);
    if (config.encoder !== 'mlp') throw new InputError(`MlpDatasetEncoder needs encoder 'mlp', got '${config.encoder}'`);
    if (!(Number.isInteger(features) && features > 0)) throw new InputError(`encoder features must be a positive integer, got ${features}`);
    const H = config.embedSize;
    const widths = (input: number) => [input, ...Array<number>(config.mlp.layers).fill(H)];
    const b = new ParamBuilder(new Rng(seed));
    buildMlp(b, 'shot', widths(features));
    buildMlp(b, 'class', widths(H));
    buildMlp(b, 'dataset', widths(H));
    this.params = b.params;
    this.embedSize = H;
  }

  embed(condition: tf.Tensor4D): DatasetEmbedding {
    checkConditionTensor(condition, this.features);
    return this.forward(condition);
  }

  forward(condition: tf.Tensor4D): DatasetEmbedding {
    const { layers } = this.config.mlp;
    return tf.tidy(() => {
      const shots = mlp(this.params, 'shot', layers, condition); // [T, C, S, H]
      const classes = mlp(this.params, 'class', layers, shots.mean(2)) as tf.Tensor3D; // [T, C, H]
      const dataset = mlp(this.params, 'dataset', layers, classes.mean(1)) as tf.Tensor2D; // [T, H]
      return { classes, dataset };
    });
  }

  dispose(): void {
    tf.dispose([...this.params.values()]);
  }
}
