/**
 * A built-in task model as a tfjs `tf.LayersModel` of the same architecture, holding the task
 * model's current parameters and buffers: the way a generated network leaves the library for
 * tfjs (`predict`, `save`, the converter). Layers carry our layer names (`fc1`, `conv1`, `bn1`,
 * `fc`), so `fromLayersModel` reads its weights back as `fc1/kernel`, `bn1/gamma`, …. Layouts need
 * no change: tfjs's dense kernel [in, out] and conv kernel [kh, kw, in, out] are ours. BN keeps
 * our conventions (PyTorch's: eps 1e-5; momentum 0.1, which tfjs writes as 1 − 0.1), so inference
 * matches ours and further training in tfjs follows the same update rule.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import { ConvNetS, type ConvNetSConfig } from './convnet-s';
import { BN_EPS, BN_MOMENTUM } from './layers';
import type { Layer } from './layers-inspect';
import { Mlp, type MlpConfig } from './mlp';
import type { TaskModel } from './task-model';

/** A layer of the built model and our names of its weights, in the tfjs layer's weight order. */
interface Block {
  layer: Layer;
  weights: string[];
}

/**
 * The tfjs model of `model` (an Mlp or a ConvNetS) for [H, W, C] images, loaded with its current
 * values. The result is independent of `model` afterwards; the caller disposes it.
 */
export function toLayersModel(model: TaskModel, inputShape: readonly [number, number, number]): tf.LayersModel {
  const blocks = blocksOf(model, inputShape);
  const input = tf.input({ shape: [...inputShape] });
  let h = input;
  for (const { layer } of blocks) h = layer.apply(h) as tf.SymbolicTensor;
  const built = tf.model({ name: model.kind, inputs: input, outputs: h });
  for (const { layer, weights } of blocks) {
    if (weights.length > 0) layer.setWeights(weights.map((name) => valueOf(model, name)));
  }
  return built;
}

function blocksOf(model: TaskModel, [height, width, channels]: readonly [number, number, number]): Block[] {
  if (model instanceof Mlp) {
    const inputs = height * width * channels;
    if (inputs !== model.config.inputSize) {
      throw new InputError(`images [${height}, ${width}, ${channels}] give ${inputs} inputs, the mlp takes ${model.config.inputSize}`);
    }
    return mlpBlocks(model.config);
  }
  if (model instanceof ConvNetS) {
    if (channels !== model.config.inChannels) {
      throw new InputError(`images have ${channels} channels, the convnet-s takes ${model.config.inChannels}`);
    }
    return convNetSBlocks(model.config);
  }
  throw new InputError(`toLayersModel builds the mlp and convnet-s architectures, not ${model.kind}`);
}

/** flatten → fc1 ReLU → … → fcN (logits), as Mlp.forward (row-major [H, W, C] flattening). */
function mlpBlocks(config: MlpConfig): Block[] {
  const units = [...config.hidden, config.numClasses];
  return [
    { layer: tf.layers.flatten({ name: 'flatten' }), weights: [] },
    ...units.map((count, i) => ({
      layer: tf.layers.dense({ name: `fc${i + 1}`, units: count, activation: i + 1 < units.length ? 'relu' : 'linear' }),
      weights: [`fc${i + 1}/weight`, `fc${i + 1}/bias`],
    })),
  ];
}

/** (conv3x3 no bias → BN → ReLU → maxpool2) ×2 → conv3x3 → BN → ReLU → global average pool → fc, as ConvNetS.forward. */
function convNetSBlocks(config: ConvNetSConfig): Block[] {
  const blocks = config.channels.flatMap((filters, i): Block[] => {
    const stage = i + 1;
    const bn = `bn${stage}`;
    return [
      { layer: tf.layers.conv2d({ name: `conv${stage}`, filters, kernelSize: 3, padding: 'same', useBias: false }), weights: [`conv${stage}/weight`] },
      {
        layer: tf.layers.batchNormalization({ name: bn, epsilon: BN_EPS, momentum: 1 - BN_MOMENTUM }),
        weights: [`${bn}/weight`, `${bn}/bias`, `${bn}/running_mean`, `${bn}/running_var`],
      },
      { layer: tf.layers.reLU({ name: `relu${stage}` }), weights: [] },
      ...(stage < config.channels.length ? [{ layer: tf.layers.maxPooling2d({ name: `pool${stage}`, poolSize: 2, strides: 2 }), weights: [] }] : []),
    ];
  });
  return [
    ...blocks,
    { layer: tf.layers.globalAveragePooling2d({ name: 'pool' }), weights: [] },
    { layer: tf.layers.dense({ name: 'fc', units: config.numClasses }), weights: ['fc/weight', 'fc/bias'] },
  ];
}

function valueOf(model: TaskModel, name: string): tf.Variable {
  const value = model.params.get(name) ?? model.buffers.get(name);
  if (!value) throw new InputError(`the ${model.kind} model has no parameter or buffer ${name}`);
  return value;
}
