/**
 * ConvNet-S, the task model of the `pdiff-small` benchmark (24,058 parameters):
 * conv3x3(1→16, no bias) BN ReLU maxpool2 → conv3x3(16→32, no bias) BN ReLU maxpool2 →
 * conv3x3(32→64, no bias) BN ReLU → global average pool → linear(64→10).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { batchNorm, conv, linear, ParamBuilder } from './layers';
import type { ForwardOptions, TaskModel } from './task-model';

export interface ConvNetSConfig {
  /** Input channels (1 for MNIST / Fashion-MNIST). */
  inChannels: number;
  /** Output classes. */
  numClasses: number;
  /** Channels of the three conv stages. */
  channels: [number, number, number];
}

export const defaultConvNetSConfig: ConvNetSConfig = { inChannels: 1, numClasses: 10, channels: [16, 32, 64] };

export class ConvNetS implements TaskModel {
  readonly kind = 'convnet-s';
  readonly params: Map<string, tf.Variable>;
  readonly buffers: Map<string, tf.Variable>;

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
  }

  /** Output of conv3 before bn3 ([N, H/4, W/4, C3]): all that precedes the p-diff subset. */
  trunk(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      for (const i of [1, 2]) {
        h = conv(this.params, `conv${i}`, h);
        h = tf.relu(batchNorm(this.params, this.buffers, `bn${i}`, h, options));
        h = tf.maxPool(h, 2, 2, 'valid');
      }
      return conv(this.params, 'conv3', h);
    });
  }

  /** bn3 → ReLU → global average pool → fc. */
  head(features: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() => {
      const h = tf.relu(batchNorm(this.params, this.buffers, 'bn3', features, options));
      return linear(this.params, 'fc', tf.mean(h, [1, 2]) as tf.Tensor2D);
    });
  }

  forward(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() => this.head(this.trunk(x, options), options));
  }

  dispose(): void {
    tf.dispose([...this.params.values(), ...this.buffers.values()]);
  }
}
