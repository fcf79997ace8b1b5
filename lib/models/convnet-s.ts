/**
 * ConvNet-S, the task model of the `pdiff-small` benchmark (24,058 parameters):
 * conv3x3(1→16, no bias) BN ReLU maxpool2 → conv3x3(16→32, no bias) BN ReLU maxpool2 →
 * conv3x3(32→64, no bias) BN ReLU → global average pool → linear(64→10).
 */
import * as tf from '@tensorflow/tfjs';
import { affineReluMean } from '../nn/affine-relu-mean';
import { Rng } from '../util/rng';
import { BN_EPS, linear, modelLayers, named, ParamBuilder, type LayerOps } from './layers';
import type { ModelSplit, SplittableModel } from './split';
import type { ForwardOptions } from './task-model';

export interface ConvNetSConfig {
  /** Input channels (1 for MNIST / Fashion-MNIST). */
  inChannels: number;
  /** Output classes. */
  numClasses: number;
  /** Channels of the three conv stages. */
  channels: [number, number, number];
}

export const defaultConvNetSConfig: ConvNetSConfig = { inChannels: 1, numClasses: 10, channels: [16, 32, 64] };

export class ConvNetS implements SplittableModel {
  readonly kind = 'convnet-s';
  readonly params: Map<string, tf.Variable>;
  readonly buffers: Map<string, tf.Variable>;
  private readonly layers: LayerOps;

  constructor(readonly config: ConvNetSConfig, seed: number) {
    const b = new ParamBuilder(new Rng(seed));
    let inC = config.inChannels;
    config.channels.forEach((outC, i) => {
      b.conv(`conv${i + 1}`, 3, inC, outC, false);
      b.batchNorm(`bn${i + 1}`, outC);
      inC = outC;
    });
    b.linear('fc', inC, config.numClasses);
    this.params = b.params;
    this.buffers = b.buffers;
    this.layers = modelLayers(this.params, this.buffers);
  }

  /** Output of conv3 before bn3 ([N, H/4, W/4, C3]): all that precedes the p-diff subset. */
  private trunk(ops: LayerOps, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      for (const i of [1, 2]) {
        h = ops.conv(`conv${i}`, h);
        h = ops.batchNormReluPool(`bn${i}`, h, options, 'max2x2');
      }
      return ops.conv('conv3', h);
    });
  }

  /** bn3 → ReLU → global average pool: [N, h, w, C3] → [N, C3]. */
  private pooled(ops: LayerOps, features: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() => ops.batchNormReluPool('bn3', features, options, 'mean'));
  }

  private head(ops: LayerOps, features: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() => ops.linear('fc', this.pooled(ops, features, options)));
  }

  /**
   * Two cuts: before bn3 (features [N, 7, 7, 64] for 28x28 inputs) when the subset touches bn3,
   * or after the pooling (features [N, 64]) when it lies within fc.
   */
  split(subset: readonly string[]): ModelSplit | undefined {
    const fc = ['fc/weight', 'fc/bias'];
    const bn3AndFc = ['bn3/weight', 'bn3/bias', ...fc];
    const linearHead = (pooled: tf.Tensor3D, params: Map<string, tf.Tensor>) =>
      tf.tidy(() => tf.matMul(pooled, params.get('fc/weight')!).add(params.get('fc/bias')!.expandDims(1)) as tf.Tensor3D);
    if (subset.every((name) => fc.includes(name))) {
      return {
        headParams: fc,
        differentiable: true,
        trunk: (x) => this.pooled(this.layers, this.trunk(this.layers, x, { mode: 'eval' }), { mode: 'eval' }),
        head: (features) => linear(this.params, 'fc', features as tf.Tensor2D),
        headMany: (features, params) => linearHead(tf.tidy(() => (features as tf.Tensor2D).expandDims(0)) as tf.Tensor3D, params),
      };
    }
    if (subset.every((name) => bn3AndFc.includes(name))) {
      return {
        headParams: bn3AndFc,
        differentiable: true,
        trunk: (x) => this.trunk(this.layers, x, { mode: 'eval' }),
        head: (features, options) => this.head(this.layers, features as tf.Tensor4D, options),
        headMany: (features, params) => {
          const pooled = tf.tidy(() => {
            // Inference-mode BN of M models: x·scale_m + shift_m, per channel.
            const scale = params.get('bn3/weight')!.mul(tf.rsqrt(named(this.buffers, 'bn3/running_var').add(BN_EPS))); // [M, C]
            const shift = params.get('bn3/bias')!.sub(named(this.buffers, 'bn3/running_mean').mul(scale)); // [M, C]
            return affineReluMean(features as tf.Tensor4D, scale as tf.Tensor2D, shift as tf.Tensor2D); // [M, N, C]
          });
          const logits = linearHead(pooled, params);
          pooled.dispose();
          return logits;
        },
      };
    }
    return undefined;
  }

  forward(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    return this.forwardWith(this.layers, x, options);
  }

  /** The network over any layers: this model's, or M models' stacked ones (./model-stack). */
  forwardWith(ops: LayerOps, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() => this.head(ops, this.trunk(ops, x, options), options));
  }

  dispose(): void {
    tf.dispose([...this.params.values(), ...this.buffers.values()]);
  }
}
