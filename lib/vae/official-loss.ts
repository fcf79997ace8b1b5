/**
 * The weight VAE with the official D2NWG objective (sorobedio/DNNWG: stage1/modules/losses/CustomLosses.py
 * `Myloss` plus VAENoDiscModel.training_step), next to WeightVae's MSE + beta·KL/D:
 *   nll  = Σ_d |x_d − x̂_d| / e^s + s   per row, s a learned scalar log-variance (initialised at 0)
 *   loss = mean_rows(nll) + beta · mean_rows(KL) + 1000 · MSE
 * with beta the official kl_weight (1e-6). The official optimizer updates the encoder and decoder
 * only, so there s never leaves 0; here s is learned, as the loss module declares it.
 */
import * as tf from '@tensorflow/tfjs';
import { mixNoise, type NoiseSeeds } from '../autoencoder/model';
import { named } from '../models/layers';
import { saveVae } from './io';
import { klDivergence, WeightVae, type VaeLoss } from './model';
import type { VaeConfig } from './config';

/** The learned log-variance's name among the VAE's parameters (trained and checkpointed with them). */
export const LOSS_LOGVAR = 'loss/logvar';

/** Weight of the MSE term in the official training step. */
export const OFFICIAL_MSE_WEIGHT = 1000;

export class OfficialLossVae extends WeightVae {
  constructor(config: VaeConfig, inDim: number, seed: number) {
    super(config, inDim, seed);
    this.params.set(LOSS_LOGVAR, tf.variable(tf.scalar(0), true));
  }

  /** The official objective of a batch x [B, D]; `recon` is the MSE, `kl` nats per row. */
  override loss(x: tf.Tensor2D, seeds: NoiseSeeds): VaeLoss {
    const { inputNoise, beta } = this.config;
    return tf.tidy(() => {
      const input = inputNoise > 0 ? mixNoise(x, inputNoise, seeds.input) : x; // [B, D]
      const { mean, logvar } = this.moments(input); // [B, Dz] each
      const z = mean.add<tf.Tensor2D>(logvar.mul(0.5).exp().mul(tf.randomNormal(mean.shape, 0, 1, 'float32', seeds.latent))); // [B, Dz]
      const decoded = this.decode(z); // [B, D]
      const error = decoded.sub(x); // [B, D]
      const s = named(this.params, LOSS_LOGVAR);
      const nll = error.abs().div(s.exp()).add(s).sum(1).mean(); // mean over rows of the per-row sum
      const kl = klDivergence(mean, logvar).mean() as tf.Scalar;
      const recon = error.square().mean() as tf.Scalar;
      return { total: nll.add(kl.mul(beta)).add(recon.mul(OFFICIAL_MSE_WEIGHT)) as tf.Scalar, recon, kl, decoded };
    });
  }

  /** saveVae without the loss's log-variance: the layout loadVae reads (encoding and decoding do not use it). */
  save(file: string): void {
    const s = this.params.get(LOSS_LOGVAR)!;
    this.params.delete(LOSS_LOGVAR);
    try {
      saveVae(file, this);
    } finally {
      this.params.set(LOSS_LOGVAR, s);
    }
  }
}
