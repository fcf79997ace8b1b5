/**
 * The layer functions of M independent models at once (a `LayerOps` for ./layers' architectures):
 * every parameter and buffer carries a leading model axis ([M, ...its shape]) and activations hold
 * model m's batch in rows m·B … m·B + B − 1 ([M·B, ...]), so per-sample ops (ReLU, pooling,
 * reshapes) need nothing new and each layer is one op for all M models:
 * conv = lib/nn/model-conv, linear = a batched matmul, batch norm = each model's own statistics
 * (with ReLU and pooling fused: lib/nn/batch-norm-pool, which takes the model axis as it is).
 */
import * as tf from '@tensorflow/tfjs';
import { modelConv2d } from '../nn/model-conv';
import { named, normalizeReluPool, normalizeRows, type LayerOps } from './layers';

/** [M·B, ...] rows → [M, B·…, last]: each model's rows, features last. */
function perModel(x: tf.Tensor, models: number): tf.Tensor3D {
  return x.reshape([models, -1, x.shape[x.rank - 1]!]);
}

/** The layers of M models whose stacked variables these are. */
export function stackedLayers(params: Map<string, tf.Variable>, buffers: Map<string, tf.Variable>, models: number): LayerOps {
  /** Adds model m's bias [M, C] to model m's rows. */
  const addBias = (y: tf.Tensor, name: string) => {
    const bias = params.get(`${name}/bias`);
    return bias ? perModel(y, models).add(bias.expandDims(1)).reshape(y.shape) : y;
  };
  return {
    conv: (name, x, stride = 1, pad = 'same') => addBias(modelConv2d(x, named(params, `${name}/weight`), stride, pad), name) as tf.Tensor4D,
    batchNorm: (name, x, options, activation = 'linear') =>
      normalizeRows(params, buffers, name, perModel(x, models), options, activation).reshape(x.shape) as tf.Tensor4D,
    batchNormReluPool: (name, x, options, pooling) => normalizeReluPool(params, buffers, name, x, options, pooling),
    linear: (name, x) => tf.matMul(perModel(x, models), named(params, `${name}/weight`) as tf.Tensor3D) // [M, B, out]
      .add(named(params, `${name}/bias`).expandDims(1)).reshape([x.shape[0], -1]) as tf.Tensor2D,
  };
}
