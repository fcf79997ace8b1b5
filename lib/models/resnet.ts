/**
 * A small CIFAR ResNet in the style of ResNet-20 (He et al. 2016, §4.2): conv3x3(16) BN ReLU,
 * three stages of `blocksPerStage` basic blocks with 16, 32, 64 channels (stride 2 at the
 * start of stages 2 and 3, with a 1x1 conv + BN shortcut there), global average pool, linear.
 * ResNet-20 has 3 blocks per stage.
 */
import * as tf from '@tensorflow/tfjs';
import { spatialMean } from '../nn/spatial-mean';
import { Rng } from '../util/rng';
import { batchNorm, conv, linear, ParamBuilder } from './layers';
import type { ForwardOptions, TaskModel } from './task-model';

export interface ResNetConfig {
  inChannels: number;
  numClasses: number;
  /** Basic blocks in each of the three stages (3 → ResNet-20). */
  blocksPerStage: number;
  /** Channels of the three stages. */
  widths: [number, number, number];
}

export const defaultResNetConfig: ResNetConfig = { inChannels: 3, numClasses: 10, blocksPerStage: 3, widths: [16, 32, 64] };

interface Block {
  name: string;
  stride: number;
  projection: boolean;
}

export class ResNet implements TaskModel {
  readonly kind = 'resnet';
  readonly params: Map<string, tf.Variable>;
  readonly buffers: Map<string, tf.Variable>;
  private readonly blocks: Block[] = [];

  constructor(readonly config: ResNetConfig, seed: number) {
    const b = new ParamBuilder(new Rng(seed));
    b.conv('conv1', 3, config.inChannels, config.widths[0], false);
    b.batchNorm('bn1', config.widths[0]);
    let inC = config.widths[0];
    config.widths.forEach((outC, stage) => {
      for (let i = 0; i < config.blocksPerStage; i++) {
        const block = { name: `layer${stage + 1}.${i}`, stride: stage > 0 && i === 0 ? 2 : 1, projection: inC !== outC };
        b.conv(`${block.name}/conv1`, 3, inC, outC, false);
        b.batchNorm(`${block.name}/bn1`, outC);
        b.conv(`${block.name}/conv2`, 3, outC, outC, false);
        b.batchNorm(`${block.name}/bn2`, outC);
        if (block.projection) {
          b.conv(`${block.name}/shortcut/conv`, 1, inC, outC, false);
          b.batchNorm(`${block.name}/shortcut/bn`, outC);
        }
        this.blocks.push(block);
        inC = outC;
      }
    });
    b.linear('fc', inC, config.numClasses);
    this.params = b.params;
    this.buffers = b.buffers;
  }

  private convBn(name: string, bnName: string, x: tf.Tensor4D, stride: number, options: ForwardOptions): tf.Tensor4D {
    return batchNorm(this.params, this.buffers, bnName, conv(this.params, name, x, stride), options);
  }

  forward(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() => {
      let h = tf.relu(this.convBn('conv1', 'bn1', x, 1, options));
      for (const { name, stride, projection } of this.blocks) {
        const out = this.convBn(`${name}/conv2`, `${name}/bn2`,
          tf.relu(this.convBn(`${name}/conv1`, `${name}/bn1`, h, stride, options)), 1, options);
        const shortcut = projection ? this.convBn(`${name}/shortcut/conv`, `${name}/shortcut/bn`, h, stride, options) : h;
        h = tf.relu(out.add(shortcut)) as tf.Tensor4D;
      }
      return linear(this.params, 'fc', spatialMean(h));
    });
  }

  dispose(): void {
    tf.dispose([...this.params.values(), ...this.buffers.values()]);
  }
}
