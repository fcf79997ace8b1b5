/** A multilayer perceptron over flattened images: fc1 ReLU fc2 ReLU … fcN. */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import { modelLayers, ParamBuilder, type LayerOps } from './layers';
import type { ModelSplit, SplittableModel } from './split';

export interface MlpConfig {
  /** Flattened input size (H·W·C). */
  inputSize: number;
  /** Widths of the hidden layers. */
  hidden: number[];
  numClasses: number;
}

export const defaultMlpConfig: MlpConfig = { inputSize: 784, hidden: [128, 64], numClasses: 10 };

export class Mlp implements SplittableModel {
  readonly kind = 'mlp';
  readonly params: Map<string, tf.Variable>;
  readonly buffers = new Map<string, tf.Variable>();
  private readonly layerCount: number;
  private readonly layers: LayerOps;

  constructor(readonly config: MlpConfig, seed: number) {
    const b = new ParamBuilder(new Rng(seed));
    const widths = [config.inputSize, ...config.hidden, config.numClasses];
    for (let i = 0; i + 1 < widths.length; i++) b.linear(`fc${i + 1}`, widths[i], widths[i + 1]);
    this.layerCount = widths.length - 1;
    this.params = b.params;
    this.layers = modelLayers(this.params, this.buffers);
  }

  forward(x: tf.Tensor4D): tf.Tensor2D {
    return this.forwardWith(this.layers, x);
  }

  /** The network over any layers: this model's, or M models' stacked ones (./model-stack). */
  forwardWith(ops: LayerOps, x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.stage(ops, this.flat(x), 1, this.layerCount + 1));
  }

  /**
   * The cut before the first layer the subset touches (before fc1 for a whole network: the
   * features are the flattened images). headMany runs M models as batched matmuls on the features,
   * [1, N, F] × [M, F, out] per layer, differentiably.
   */
  split(subset: readonly string[]): ModelSplit | undefined {
    const layerOf = (name: string) => Number(/^fc(\d+)\//.exec(name)?.[1]);
    const cut = Math.min(...subset.map(layerOf));
    if (!(cut >= 1 && cut <= this.layerCount)) return undefined;
    const after = Array.from({ length: this.layerCount - cut + 1 }, (_, i) => cut + i);
    return {
      headParams: after.flatMap((i) => [`fc${i}/weight`, `fc${i}/bias`]),
      differentiable: true,
      trunk: (x) => tf.tidy(() => this.stage(this.layers, this.flat(x), 1, cut)),
      head: (features) => tf.tidy(() => this.stage(this.layers, features as tf.Tensor2D, cut, this.layerCount + 1)),
      headMany: (features, params) => tf.tidy(() => {
        let h = features.expandDims(0) as tf.Tensor3D; // [1, N, F]
        for (const i of after) {
          const [weight, bias] = [params.get(`fc${i}/weight`), params.get(`fc${i}/bias`)];
          if (!weight || !bias) throw new InputError(`headMany: no values for fc${i}`);
          h = tf.matMul(h, weight as tf.Tensor3D).add(bias.expandDims(1)); // [M, N, out]
          if (i < this.layerCount) h = tf.relu(h);
        }
        return h;
      }),
    };
  }

  /** Layers [from, to), ReLU after every layer but the last. */
  private stage(ops: LayerOps, h: tf.Tensor2D, from: number, to: number): tf.Tensor2D {
    for (let i = from; i < to; i++) {
      h = ops.linear(`fc${i}`, h);
      if (i < this.layerCount) h = tf.relu(h);
    }
    return h;
  }

  private flat(x: tf.Tensor4D): tf.Tensor2D {
    const h = x.reshape([x.shape[0], -1]) as tf.Tensor2D;
    if (h.shape[1] !== this.config.inputSize) {
      throw new Error(`mlp expects ${this.config.inputSize} inputs per image, got ${h.shape[1]}`);
    }
    return h;
  }

  dispose(): void {
    tf.dispose([...this.params.values()]);
  }
}
