/**
 * A velocity network for flow matching on flat [B, D] rows (DeepWeightFlow's for whole networks: an
 * MLP on the flattened, aligned, standardised weights): h_ℓ = SiLU(h_{ℓ−1}·W_ℓ + b_ℓ + φ(t)·U_ℓ), f = h_L·W_out + b_out,
 * with φ(t) sinusoidal features of t (Transformer eq. 5 on 1000·t). f is the velocity itself, or
 * the clean sample x̂_1 with v = (x̂_1 − x_t) / max(1 − t, 0.05) (JiT, Li & He 2025: a network
 * with a bottleneck narrower than D cannot output the full-rank −x_0 part of the velocity, but
 * can output data that lie in a low-dimensional subspace, as N zoo members do). It knows nothing of the flow.
 */
import * as tf from '@tensorflow/tfjs';
import { linear, named, ParamBuilder } from '../models/layers';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import type { VelocityField } from './flow-matching';

export interface VelocityMlpConfig {
  /** Widths of the hidden layers. */
  hidden: number[];
  /** Sinusoidal features of t (even). */
  timeFeatures: number;
  /** What the MLP outputs: 'velocity' v, or 'data' x̂_1 (v derived from it). */
  prediction: 'velocity' | 'data';
}

export const defaultVelocityMlpConfig: VelocityMlpConfig = { hidden: [256, 256], timeFeatures: 32, prediction: 'data' };

/** JiT's clamp of 1 − t in v = (x̂_1 − x_t) / (1 − t). */
const MIN_REMAINING = 0.05;

/** φ(t) [B, E]: sin and cos of 1000·t·10000^(−2k/E), k < E/2. */
export function timeFeatures(t: tf.Tensor1D, features: number): tf.Tensor2D {
  return tf.tidy(() => {
    const half = features / 2;
    const freqs = tf.tensor1d(Float32Array.from({ length: half }, (_, k) => 1000 * 10000 ** (-k / half)));
    const angles = t.reshape([-1, 1]).mul(freqs.reshape([1, half])); // [B, E/2]
    return tf.concat([tf.sin(angles), tf.cos(angles)], 1) as tf.Tensor2D;
  });
}

export class VelocityMlp implements VelocityField {
  readonly params: Map<string, tf.Variable>;

  /** PyTorch's default init (U(±1/√fan_in)) from `seed`. */
  constructor(readonly dim: number, readonly config: VelocityMlpConfig, seed: number) {
    const { hidden, timeFeatures: e } = config;
    if (!(Number.isInteger(dim) && dim >= 1)) throw new InputError(`velocity field dim must be a positive integer, got ${dim}`);
    if (hidden.length === 0 || !hidden.every((w) => Number.isInteger(w) && w >= 1)) {
      throw new InputError(`velocity MLP hidden widths must be positive integers, got [${hidden.join(', ')}]`);
    }
    if (!(Number.isInteger(e) && e >= 2 && e % 2 === 0)) throw new InputError(`timeFeatures must be an even integer ≥ 2, got ${e}`);
    if (config.prediction !== 'velocity' && config.prediction !== 'data') throw new InputError(`prediction must be 'velocity' or 'data', got ${JSON.stringify(config.prediction)}`);
    const b = new ParamBuilder(new Rng(seed));
    const widths = [dim, ...hidden];
    hidden.forEach((w, i) => {
      b.linear(`fc${i + 1}`, widths[i], w);
      b.uniform(`time${i + 1}/weight`, [e, w], e);
    });
    b.linear('out', widths[widths.length - 1], dim);
    this.params = b.params;
  }

  velocity(x: tf.Tensor2D, t: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => {
      const phi = timeFeatures(t, this.config.timeFeatures); // [B, E]
      let h = x; // [B, D]
      this.config.hidden.forEach((_, i) => {
        const pre = linear(this.params, `fc${i + 1}`, h).add(tf.matMul(phi, named(this.params, `time${i + 1}/weight`))); // [B, H]
        h = pre.mul(tf.sigmoid(pre)) as tf.Tensor2D; // SiLU
      });
      const f = linear(this.params, 'out', h); // [B, D]
      if (this.config.prediction === 'velocity') return f;
      return f.sub(x).div(tf.scalar(1).sub(t).maximum(MIN_REMAINING).reshape([-1, 1])) as tf.Tensor2D; // v = (x̂_1 − x_t) / (1 − t)
    });
  }

  dispose(): void {
    tf.dispose([...this.params.values()]);
  }
}
