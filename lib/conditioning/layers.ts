/**
 * Row-wise layers over sets [B, N, F]: linear maps, MLPs, and LayerNorm with PyTorch's defaults.
 */
import * as tf from '@tensorflow/tfjs';
import { named, type ParamBuilder } from '../models/layers';
import { instanceNorm } from '../nn/pointwise';

/** A linear layer `name` with PyTorch's default init; `bias: false` for maps whose bias could never learn. */
export function buildLinear(b: ParamBuilder, name: string, inFeatures: number, outFeatures: number, bias = true): void {
  if (bias) {
    b.linear(name, inFeatures, outFeatures);
  } else {
    b.uniform(`${name}/weight`, [inFeatures, outFeatures], inFeatures);
  }
}

/** x [..., F] → x·W + b [..., O] for any leading axes. */
export function linear(params: Map<string, tf.Variable>, name: string, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const w = named(params, `${name}/weight`) as tf.Variable<tf.Rank.R2>; // [F, O]
    const [f, o] = w.shape;
    const bias = params.get(`${name}/bias`) as tf.Tensor1D | undefined; // [O]
    const y = tf.fused.matMul({ a: x.reshape([-1, f]) as tf.Tensor2D, b: w, bias }); // [rows, O]
    return y.reshape([...x.shape.slice(0, -1), o]);
  });
}

/** Linear layers with ReLU between them (not after the last): widths[0] → … → widths[last]. */
export function buildMlp(b: ParamBuilder, name: string, widths: number[]): void {
  for (let i = 0; i + 1 < widths.length; i++) buildLinear(b, `${name}/${i}`, widths[i], widths[i + 1]);
}

export function mlp(params: Map<string, tf.Variable>, name: string, layers: number, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    let h = x;
    for (let i = 0; i < layers; i++) {
      h = linear(params, `${name}/${i}`, h);
      if (i + 1 < layers) h = tf.relu(h);
    }
    return h;
  });
}

export function buildLayerNorm(b: ParamBuilder, name: string, features: number): void {
  b.constant(`${name}/weight`, [features], 1, 'param');
  b.constant(`${name}/bias`, [features], 0, 'param');
}

/**
 * nn.LayerNorm over the last axis (biased variance, eps 1e-5), then a per-feature scale and shift.
 * The normalisation is instanceNorm over a [rows, F, 1] view, whose hand-written gradient takes
 * ~10 kernels where tf.moments' taped one takes ~70 (per-kernel overhead dominates these sizes).
 */
export function layerNorm(params: Map<string, tf.Variable>, name: string, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const F = x.shape[x.rank - 1];
    const xhat = instanceNorm(x.reshape([-1, F, 1]) as tf.Tensor3D).reshape(x.shape); // [..., F]
    return xhat.mul(named(params, `${name}/weight`)).add(named(params, `${name}/bias`));
  });
}
