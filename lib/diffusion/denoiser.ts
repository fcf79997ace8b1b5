/**
 * p-diff's latent denoiser ε_θ(x, t) (pdiff-small stage 3): a 1D conv encoder-decoder over the
 * latent seen as 1 channel × D, every level two stride-1 k3 convolutions with InstanceNorm and
 * LeakyReLU, additive skips, and a learned timestep embedding [T, D] looked up per sample and
 * added, broadcast over channels, to the input of every block. It knows nothing of schedules.
 *
 * Seam for conditioning (D2NWG, ./conditional): `forward` takes the input channels, the
 * per-sample embedding and an optional per-block modulation, so a conditional denoiser can
 * concatenate a projected condition as extra input channels (`inputChannels` widens enc0) or
 * FiLM the blocks without touching them.
 */
import * as tf from '@tensorflow/tfjs';
import { convSame } from '../nn/conv1d';
import { named, ParamBuilder } from '../models/layers';
import { instanceNorm, leakyRelu } from '../nn/pointwise';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import type { Denoiser } from './types';

export interface DenoiserConfig {
  /** Channels of the encoder levels from the input side; the decoder mirrors them back to 1. */
  channels: number[];
  /**
   * The two normalisations of every block: 'instance' (p-diff's InstanceNorm over the D
   * positions) or 'none'; absent: 'instance' (optional so p-diff configs keep their identity).
   * InstanceNorm removes each latent's mean over its positions and its scale before the first
   * convolution, so the network cannot see them and cannot predict the mean of ε: with it, a
   * denoiser does not learn data whose latents differ in mean or scale (test/diffusion-conditional-learning).
   */
  norm?: 'instance' | 'none';
}

/** pdiff-small's CPU-scale width. */
export const defaultDenoiserConfig: DenoiserConfig = { channels: [32, 64, 128, 128] };

/** The official p-diff width for GPU runs (~7x the cost per step). */
export const officialDenoiserChannels: readonly number[] = [64, 128, 256, 512];

/** nn.LeakyReLU's default negative slope. */
const LEAKY_SLOPE = 0.01;
const KERNEL = 3;

interface BlockSpec {
  name: string;
  cIn: number;
  cMid: number;
  cOut: number;
  /** The first encoder block starts with InstanceNorm, without a LeakyReLU before it. */
  first: boolean;
}

/**
 * Applied to each block's first normalisation output: (block name, h [B, D, c_in]) → [B, D, c_in].
 * Runs inside the forward's tf.tidy.
 */
export type BlockModulation = (block: string, h: tf.Tensor3D) => tf.Tensor3D;

/** Encoder c_x→c0→…→c_{L−1}; decoder c_{L−1}→…→c0, then c0→c0→1 (the reference's layout for any L, c_x = 1). */
function blockSpecs(channels: number[], inputChannels: number): { encoder: BlockSpec[]; decoder: BlockSpec[] } {
  const L = channels.length;
  const encoder = channels.map((c, i) => ({ name: `enc${i}`, cIn: i === 0 ? inputChannels : channels[i - 1], cMid: c, cOut: c, first: i === 0 }));
  const decoder = channels.slice(0, L - 1).reverse().map((c, j) => ({ name: `dec${j}`, cIn: channels[L - 1 - j], cMid: c, cOut: c, first: false }));
  decoder.push({ name: `dec${L - 1}`, cIn: channels[0], cMid: channels[0], cOut: 1, first: false });
  return { encoder, decoder };
}

export class LatentDenoiser implements Denoiser {
  readonly params: Map<string, tf.Variable>;
  private readonly encoder: BlockSpec[];
  private readonly decoder: BlockSpec[];

  /**
   * `dim` D of the latents, `timesteps` T of the schedule; seeded PyTorch-default initialisation.
   * `inputChannels` > 1 widens enc0 for channels concatenated to the latent (see `forward`).
   */
  constructor(
    readonly dim: number, readonly timesteps: number, readonly config: DenoiserConfig = defaultDenoiserConfig, seed = 0,
    readonly inputChannels = 1,
  ) {
    if (!(Number.isInteger(dim) && dim >= 1)) throw new InputError(`denoiser dim must be a positive integer, got ${dim}`);
    if (!(Number.isInteger(timesteps) && timesteps >= 1)) throw new InputError(`denoiser timesteps must be a positive integer, got ${timesteps}`);
    if (config.channels.length < 1 || !config.channels.every((c) => Number.isInteger(c) && c >= 1)) {
      throw new InputError(`denoiser channels must be positive integers, got [${config.channels}]`);
    }
    if (config.norm !== undefined && config.norm !== 'instance' && config.norm !== 'none') {
      throw new InputError(`denoiser norm must be 'instance' or 'none', got ${String(config.norm)}`);
    }
    if (!(Number.isInteger(inputChannels) && inputChannels >= 1)) throw new InputError(`denoiser inputChannels must be a positive integer, got ${inputChannels}`);
    ({ encoder: this.encoder, decoder: this.decoder } = blockSpecs(config.channels, inputChannels));
    const rng = new Rng(seed);
    const b = new ParamBuilder(rng);
    for (const { name, cIn, cMid, cOut } of [...this.encoder, ...this.decoder]) {
      // nn.Conv1d's default init, U(±1/√(k·c_in)) for weight and bias; tfjs layout [k, in, out].
      b.uniform(`${name}/conv1/weight`, [KERNEL, cIn, cMid], KERNEL * cIn);
      b.uniform(`${name}/conv1/bias`, [cMid], KERNEL * cIn);
      b.uniform(`${name}/conv2/weight`, [KERNEL, cMid, cOut], KERNEL * cMid);
      b.uniform(`${name}/conv2/bias`, [cOut], KERNEL * cMid);
    }
    // nn.Embedding's init, N(0, 1); tidy drops the initial tensor, the variable keeps its data.
    const table = tf.tidy(() => tf.variable(tf.tensor2d(rng.normalArray(timesteps * dim), [timesteps, dim])));
    b.params.set('time_embed/weight', table); // [T, D]
    this.params = b.params;
  }

  /** x [B, D] and one timestep per sample t [B] → ε̂ [B, D]. */
  predict(x: tf.Tensor2D, t: Int32Array): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.dim) throw new InputError(`denoiser input must be [B, ${this.dim}], got [${x.shape}]`);
    if (t.length !== x.shape[0]) throw new InputError(`denoiser got ${x.shape[0]} samples but ${t.length} timesteps`);
    if (this.inputChannels !== 1) throw new InputError(`this denoiser takes ${this.inputChannels} input channels: call forward`);
    return tf.tidy(() => this.forward(x.reshape([x.shape[0], this.dim, 1]), this.timeEmbedding(t))); // x as NWC, one channel
  }

  /** Each block's name and the channels of its first normalisation's output (what a modulation sees). */
  get blocks(): { name: string; channels: number }[] {
    return [...this.encoder, ...this.decoder].map(({ name, cIn }) => ({ name, channels: cIn }));
  }

  /** Row t_i of the embedding table for each sample, as [B, D, 1] to broadcast over channels. */
  timeEmbedding(t: Int32Array): tf.Tensor3D {
    for (const ti of t) if (!(ti >= 0 && ti < this.timesteps)) throw new InputError(`timestep ${ti} is outside [0, ${this.timesteps})`);
    return tf.tidy(() =>
      tf.gather(named(this.params, 'time_embed/weight'), tf.tensor1d(t, 'int32')).expandDims(2) as tf.Tensor3D);
  }

  /**
   * The network given its input channels, the per-sample embedding added (broadcast over
   * channels) before every block, and an optional modulation of every block:
   * input [B, D, inputChannels], emb [B, D, 1] → [B, D].
   */
  forward(input: tf.Tensor3D, embedding: tf.Tensor3D, modulate?: BlockModulation): tf.Tensor2D {
    const [B, D, C] = input.shape;
    if (D !== this.dim || C !== this.inputChannels) throw new InputError(`denoiser input must be [B, ${this.dim}, ${this.inputChannels}], got [${input.shape}]`);
    return tf.tidy(() => {
      let h = input; // [B, D, c_x]
      const skips: tf.Tensor3D[] = [];
      for (const spec of this.encoder) {
        h = this.block(spec, h, embedding, modulate); // [B, D, c_i]
        skips.push(h);
      }
      const L = this.encoder.length;
      this.decoder.forEach((spec, j) => {
        h = this.block(spec, h, embedding, modulate);
        if (j < L - 1) h = h.add(skips[L - 2 - j]); // additive skip from the encoder level of equal width
      });
      return h.reshape([B, D]) as tf.Tensor2D; // [B, D, 1] → [B, D]
    });
  }

  /**
   * x + embedding, [LeakyReLU], Norm, [modulation], Conv1d k3 c_in→c_mid, LeakyReLU, Norm, Conv1d
   * k3 c_mid→c_out.
   */
  private block(spec: BlockSpec, x: tf.Tensor3D, embedding: tf.Tensor3D, modulate: BlockModulation | undefined): tf.Tensor3D {
    let h = this.norm(x, embedding, !spec.first); // [B, D, c_in]
    if (modulate) h = modulate(spec.name, h);
    h = this.conv(`${spec.name}/conv1`, h); // [B, D, c_mid]
    return this.conv(`${spec.name}/conv2`, this.norm(h, undefined, true)); // [B, D, c_out]
  }

  /**
   * Norm(LeakyReLU(x + shift)), the LeakyReLU and the shift [B, D, 1] optional; with instance norm
   * one op (one kernel each way on native).
   */
  private norm(x: tf.Tensor3D, shift: tf.Tensor3D | undefined, leaky: boolean): tf.Tensor3D {
    const slope = leaky ? LEAKY_SLOPE : 1;
    if (this.config.norm === 'none') {
      const shifted = shift ? x.add<tf.Tensor3D>(shift) : x;
      return leaky ? leakyRelu(shifted, slope) : shifted;
    }
    return instanceNorm(x, { slope, shift });
  }

  /** Conv1d k3 padding 1 plus bias, one fused op (the bias added in the conv's output pass on native). */
  private conv(name: string, x: tf.Tensor3D): tf.Tensor3D {
    const w = named(this.params, `${name}/weight`) as unknown as tf.Tensor3D; // [k, c_in, c_out]
    return convSame(x, w, named(this.params, `${name}/bias`) as unknown as tf.Tensor1D);
  }

  /** Number of trainable numbers. */
  get size(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  dispose(): void {
    tf.dispose([...this.params.values()]);
  }
}
