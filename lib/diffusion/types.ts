/** The contracts between diffusion objectives, samplers and whatever predicts the noise. */
import type * as tf from '@tensorflow/tfjs';

/**
 * A noise prediction ε_θ(x_t, t): x [N, D] and one 0-based timestep per row → ε̂ [N, D].
 * Samplers and the loss call it inside their own tf.tidy, so it may leave intermediates.
 */
export type EpsFn = (x: tf.Tensor2D, t: Int32Array) => tf.Tensor2D;

/**
 * `count` latent vectors of length `dim`, row-major in one array: the plain-data form of a
 * [count, dim] tensor (the same layout as params' VectorSet, so the two pass for each other).
 */
export interface LatentSet {
  count: number;
  dim: number;
  data: Float32Array;
}

/** A network that can be trained as ε_θ: named variables and a per-sample-timestep forward. */
export interface Denoiser {
  /** Length D of the vectors it denoises. */
  readonly dim: number;
  /** Number of timesteps T it was built for (its embedding table's rows). */
  readonly timesteps: number;
  /** Trainable variables, in a fixed order. */
  readonly params: Map<string, tf.Variable>;
  /** x [B, D], t [B] → ε̂ [B, D]. */
  predict(x: tf.Tensor2D, t: Int32Array): tf.Tensor2D;
}
