/** A multilayer perceptron over flattened images: fc1 ReLU fc2 ReLU … fcN. */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { linear, ParamBuilder } from './layers';
import type { TaskModel } from './task-model';

export interface MlpConfig {
  /** Flattened input size (H·W·C). */
  inputSize: number;
  /** Widths of the hidden layers. */
  hidden: number[];
  numClasses: number;
}

export const defaultMlpConfig: MlpConfig = { inputSize: 784, hidden: [128, 64], numClasses: 10 };

export class Mlp implements TaskModel {
  readonly kind = 'mlp';
  readonly params: Map<string, tf.Variable>;
  readonly buffers = new Map<string, tf.Variable>();
  private readonly layerCount: number;

  constructor(readonly config: MlpConfig, seed: number) {
    const b = new ParamBuilder(new Rng(seed));
    const widths = [config.inputSize, ...config.hidden, config.numClasses];
    for (let i = 0; i + 1 < widths.length; i++) b.linear(`fc${i + 1}`, widths[i], widths[i + 1]);
    this.layerCount = widths.length - 1;
    this.params = b.params;
  }

  forward(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x.reshape([x.shape[0], -1]) as tf.Tensor2D;
      if (h.shape[1] !== this.config.inputSize) {
        throw new Error(`mlp expects ${this.config.inputSize} inputs per image, got ${h.shape[1]}`);
      }
      for (let i = 1; i <= this.layerCount; i++) {
        h = linear(this.params, `fc${i}`, h);
        if (i < this.layerCount) h = tf.relu(h);
      }
      return h;
    });
  }

  dispose(): void {
    tf.dispose([...this.params.values()]);
  }
}
