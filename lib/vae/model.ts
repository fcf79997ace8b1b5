/**
 * The weight beta-VAE of D2NWG over fixed-length rows [N, D] (a head's class rows, or the pieces
 * of ./vae-input): encoder MLP → (mean, log-variance) [N, Dz], reparameterised sample, decoder
 * MLP → [N, D]. Its inputs are rows already normalised per feature (./vae-train does that and
 * keeps the statistics in `norm`).
 *   encoder: D → hidden[0] → … → hidden[n−1] (activation after each) → 2·Dz, split into mean and log-variance;
 *   decoder: Dz → hidden[n−1] → … → hidden[0] (activation after each) → D, linear output.
 */
import * as tf from '@tensorflow/tfjs';
import { named, ParamBuilder } from '../models/layers';
import type { NormStats } from '../params/normalize';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import { mixNoise, type NoiseSeeds } from '../autoencoder/model';
import { checkVaeConfig, type VaeConfig } from './config';

/** Log-variance is clamped to this range before use, as in latent diffusion's DiagonalGaussianDistribution. */
const LOGVAR_MIN = -30;
const LOGVAR_MAX = 20;

/** The diagonal Gaussian q(z | x) of a batch. */
export interface VaeMoments {
  mean: tf.Tensor2D; // [B, Dz]
  logvar: tf.Tensor2D; // [B, Dz], clamped
}

/** The loss of one training forward, as scalars: total = recon + beta·kl / D. */
export interface VaeLoss {
  total: tf.Scalar;
  /** MSE over every row and feature. */
  recon: tf.Scalar;
  /** KL(q(z|x) ‖ N(0, I)) in nats per row, averaged over the rows. */
  kl: tf.Scalar;
  /** The reconstruction the loss compared with x (of the sampled latent) [B, D], for terms added to the loss (./behaviour). */
  decoded: tf.Tensor2D;
}

/** KL(N(mean, exp(logvar)) ‖ N(0, I)) of each row: ½·Σ_j (μ_j² + σ_j² − 1 − log σ_j²) (Kingma & Welling 2014, App. B). [B, Dz] → [B]. */
export function klDivergence(mean: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => mean.square().add(logvar.exp()).sub(1).sub(logvar).sum(1).mul(0.5) as tf.Tensor1D);
}

/**
 * A beta-VAE for rows of length `inDim`. `params` holds its variables by name: `enc.i/weight`
 * [in, out] and `enc.i/bias` for the hidden layers, `enc.moments/…` the 2·Dz output (mean
 * columns first), `dec.i/…` and `dec.out/…` likewise.
 */
export class WeightVae {
  readonly params: Map<string, tf.Variable>;
  /** Per-feature statistics of the rows it was trained on (set by trainVae); null before training. */
  norm: NormStats | null = null;
  private readonly encoderNames: string[];
  private readonly decoderNames: string[];

  /** Parameters drawn with PyTorch's default Linear init (U(±1/√fanIn)) from `seed`. */
  constructor(readonly config: VaeConfig, readonly inDim: number, seed: number) {
    checkVaeConfig(config);
    if (!(Number.isInteger(inDim) && inDim > 0)) throw new InputError(`VAE input dim must be a positive integer, got ${inDim}`);
    const b = new ParamBuilder(new Rng(seed));
    const { hidden, latentDim } = config;
    this.encoderNames = hidden.map((_, i) => `enc.${i}`);
    this.decoderNames = hidden.map((_, i) => `dec.${i}`);
    const encWidths = [inDim, ...hidden];
    this.encoderNames.forEach((name, i) => b.linear(name, encWidths[i], encWidths[i + 1]));
    b.linear('enc.moments', encWidths[hidden.length], 2 * latentDim);
    const decWidths = [latentDim, ...[...hidden].reverse()];
    this.decoderNames.forEach((name, i) => b.linear(name, decWidths[i], decWidths[i + 1]));
    b.linear('dec.out', decWidths[hidden.length], inDim);
    this.params = b.params;
  }

  get latentDim(): number {
    return this.config.latentDim;
  }

  /** Number of trainable numbers. */
  get paramCount(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  /** x [B, D] → the mean and clamped log-variance of q(z | x), each [B, Dz]. */
  moments(x: tf.Tensor2D): VaeMoments {
    checkWidth(x, this.inDim, 'encoder input');
    const dz = this.latentDim;
    return tf.tidy(() => {
      let h = x;
      for (const name of this.encoderNames) h = this.activate(this.dense(name, h)); // [B, hidden_i]
      const out = this.dense('enc.moments', h); // [B, 2·Dz]
      const [mean, rawLogvar] = tf.split(out, [dz, dz], 1) as [tf.Tensor2D, tf.Tensor2D]; // [B, Dz] each
      return { mean, logvar: tf.clipByValue(rawLogvar, LOGVAR_MIN, LOGVAR_MAX) };
    });
  }

  /** x [B, D] → the posterior mean [B, Dz]: the deterministic latent used downstream. */
  encode(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.moments(x).mean);
  }

  /** x [B, D] → z = mean + exp(logvar / 2)·ε with ε ~ N(0, I) drawn from `seed` [B, Dz]. */
  encodeSample(x: tf.Tensor2D, seed: number): tf.Tensor2D {
    return tf.tidy(() => reparameterise(this.moments(x), seed));
  }

  /** z [B, Dz] → rows [B, D]. */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    checkWidth(z, this.latentDim, 'decoder input');
    return tf.tidy(() => {
      let h = z;
      for (const name of this.decoderNames) h = this.activate(this.dense(name, h)); // [B, hidden_i]
      return this.dense('dec.out', h); // [B, D]
    });
  }

  /**
   * The training loss of a batch x [B, D]: the input mixed with noise (if `inputNoise`), encoded,
   * sampled, decoded, compared with the clean x. total = MSE + beta·KL/D: the official per-sample
   * sum Σ_d err² + beta·KL divided by D.
   */
  loss(x: tf.Tensor2D, seeds: NoiseSeeds): VaeLoss {
    const { inputNoise, beta } = this.config;
    return tf.tidy(() => {
      const input = inputNoise > 0 ? mixNoise(x, inputNoise, seeds.input) : x; // [B, D]
      const moments = this.moments(input);
      const decoded = this.decode(reparameterise(moments, seeds.latent)); // [B, D]
      const recon = decoded.sub(x).square().mean() as tf.Scalar;
      const kl = klDivergence(moments.mean, moments.logvar).mean() as tf.Scalar;
      return { total: recon.add(kl.mul(beta / this.inDim)) as tf.Scalar, recon, kl, decoded };
    });
  }

  dispose(): void {
    tf.dispose([...this.params.values()]);
  }

  private dense(name: string, x: tf.Tensor2D): tf.Tensor2D {
    return tf.fused.matMul({ a: x, b: named(this.params, `${name}/weight`) as tf.Tensor2D, bias: named(this.params, `${name}/bias`) as tf.Tensor1D }) as tf.Tensor2D;
  }

  private activate(x: tf.Tensor2D): tf.Tensor2D {
    switch (this.config.activation) {
      case 'silu':
        return x.mul(tf.sigmoid(x));
      case 'leakyRelu':
        return tf.leakyRelu(x, 0.01); // PyTorch's default slope
      case 'tanh':
        return tf.tanh(x);
    }
  }
}

/** mean + exp(logvar / 2)·ε, ε ~ N(0, I) from `seed` (tf.randomNormal: the same values on every backend). */
function reparameterise({ mean, logvar }: VaeMoments, seed: number): tf.Tensor2D {
  return tf.tidy(() => mean.add(logvar.mul(0.5).exp().mul(tf.randomNormal(mean.shape, 0, 1, 'float32', seed)))); // [B, Dz]
}

function checkWidth(x: tf.Tensor, width: number, what: string): void {
  if (x.rank !== 2 || x.shape[1] !== width) {
    throw new InputError(`VAE ${what} must be [batch, ${width}], got [${x.shape.join(', ')}]`);
  }
}
