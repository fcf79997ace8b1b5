/**
 * Configuration of the weight beta-VAE (D2NWG stage 1): an MLP encoder from a weight row to the
 * mean and log-variance of a diagonal Gaussian, an MLP decoder back.
 */
import { InputError } from '../util/errors';

/** The non-linearity after every hidden layer. */
export type VaeActivation = 'silu' | 'leakyRelu' | 'tanh';
export const vaeActivations: readonly VaeActivation[] = ['silu', 'leakyRelu', 'tanh'];

export interface VaeConfig {
  /** Latent size Dz (the design's ~16–32 for 65-number head rows). */
  latentDim: number;
  /** Widths of the encoder's hidden layers; the decoder uses them in reverse order. */
  hidden: number[];
  activation: VaeActivation;
  /**
   * Weight of the KL term. The loss is MSE + beta·KL/D (see ./vae.ts), which is the official
   * D2NWG loss — per-sample sums of the reconstruction error and of the KL, kl_weight 1e-6 —
   * divided by D, so beta keeps its official meaning.
   */
  beta: number;
  /** Training-time input noise, p-diff's x ← (1 − a)·x + a·N(0, 1); 0 turns it off. */
  inputNoise: number;
}

/**
 * Defaults for head rows (D = 65). Measured on 1,000 low-rank rows of 65 (rank 6 plus 4 clusters),
 * 600 steps of batch 256, relative MSE of 200 held-out rows: silu 0.00105, leakyRelu 0.0016, tanh
 * 0.0015; input noise a = 0.001 (p-diff's) identical to none, 0.01 → 0.0012, 0.05 → 0.0046, so it
 * is off; beta 1e-6 (official) 0.00105 with KL 205 nats, 1e-4 0.0010, 1e-2 0.0009 with KL 73,
 * 1 → 0.011: reconstruction tolerates beta up to ~1e-2, which gives a tighter latent.
 */
export const defaultVaeConfig: VaeConfig = {
  latentDim: 32,
  hidden: [256, 128],
  activation: 'silu',
  beta: 1e-6,
  inputNoise: 0,
};

const positiveInt = (v: number) => Number.isInteger(v) && v > 0;

/** Throws an InputError naming the first field that cannot describe a working VAE. */
export function checkVaeConfig(config: VaeConfig): void {
  if (!positiveInt(config.latentDim)) throw new InputError(`VAE latentDim must be a positive integer, got ${config.latentDim}`);
  if (!Array.isArray(config.hidden) || !config.hidden.every(positiveInt)) {
    throw new InputError(`VAE hidden must be a list of positive integers, got [${String(config.hidden)}]`);
  }
  if (!vaeActivations.includes(config.activation)) {
    throw new InputError(`VAE activation must be one of ${vaeActivations.join(', ')}, got "${config.activation}"`);
  }
  if (!(Number.isFinite(config.beta) && config.beta >= 0)) throw new InputError(`VAE beta must be a finite number ≥ 0, got ${config.beta}`);
  if (!(config.inputNoise >= 0 && config.inputNoise <= 1)) throw new InputError(`VAE inputNoise must be in [0, 1], got ${config.inputNoise}`);
}
