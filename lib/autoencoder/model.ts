/**
 * The p-diff parameter autoencoder (official ODEncoder2Decoder): a 1D conv encoder from a
 * zero-padded parameter vector to a small Tanh latent, and a 1D conv decoder back, cropped.
 *   encoder block i: [LeakyReLU (not in block 0), InstanceNorm, Conv1d k s1, LeakyReLU,
 *                     InstanceNorm, Conv1d k stride fold], Tanh after the last block;
 *   decoder block i: [LeakyReLU, InstanceNorm, ConvTranspose1d k stride fold, LeakyReLU,
 *                     InstanceNorm, Conv1d k s1], channels decChannels[i] → decChannels[i+1] (1 at the end).
 * Tensors inside are NWC [B, L, C]; latents leave flattened channel-major like PyTorch's [B, C·L].
 */
import * as tf from '@tensorflow/tfjs';
import { ParamBuilder, named } from '../models/layers';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import { autoencoderGeometry, type AutoencoderConfig, type AutoencoderGeometry } from './config';
import { convDown, convSame, convUp } from '../nn/conv1d';
import { instanceNorm } from '../nn/pointwise';

/** Seeds of the two noise draws of one training forward (tf.randomNormal: same values on every backend). */
export interface NoiseSeeds {
  input: number;
  latent: number;
}

/** p-diff's noise augmentation: x ← (1 − a)·x + a·N(0, 1). */
export function mixNoise(x: tf.Tensor2D, factor: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => x.mul(1 - factor).add(tf.randomNormal(x.shape, 0, 1, 'float32', seed).mul(factor)));
}

/**
 * The autoencoder for vectors of one length `inDim`. `params` holds its variables by stable name
 * (`enc.i/conv1` the stride-1 conv, `enc.i/conv2` the strided one; `dec.i/conv1` the transposed
 * conv, `dec.i/conv2` the stride-1 one; each `/weight` and `/bias`), in PyTorch's parameter order.
 */
export class ParamAutoencoder {
  readonly params: Map<string, tf.Variable>;
  readonly geometry: AutoencoderGeometry;

  /** Parameters drawn with PyTorch's default init (U(±1/√fanIn)) from `seed`. */
  constructor(readonly config: AutoencoderConfig, readonly inDim: number, seed: number) {
    this.geometry = autoencoderGeometry(config, inDim);
    const b = new ParamBuilder(new Rng(seed));
    const { kernel: k, encChannels: enc, decChannels: dec } = config;
    enc.forEach((out, i) => {
      const mid = i === 0 ? out : enc[i - 1];
      const inC = i === 0 ? 1 : mid;
      b.uniform(`enc.${i}/conv1/weight`, [k, inC, mid], k * inC);
      b.uniform(`enc.${i}/conv1/bias`, [mid], k * inC);
      b.uniform(`enc.${i}/conv2/weight`, [k, mid, out], k * mid);
      b.uniform(`enc.${i}/conv2/bias`, [out], k * mid);
    });
    dec.forEach((c, i) => {
      const out = i + 1 < dec.length ? dec[i + 1] : 1;
      // PyTorch takes a transposed conv's fan-in from its weight's dim 1: the output channels.
      b.uniform(`dec.${i}/conv1/weight`, [c, k, c], c * k);
      b.uniform(`dec.${i}/conv1/bias`, [c], c * k);
      b.uniform(`dec.${i}/conv2/weight`, [k, c, out], k * c);
      b.uniform(`dec.${i}/conv2/bias`, [out], k * c);
    });
    this.params = b.params;
  }

  /** Number of trainable numbers (the PyTorch reference's sum of numel). */
  get paramCount(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  private w(name: string): tf.Tensor3D {
    return named(this.params, `${name}/weight`) as tf.Tensor3D;
  }

  private b(name: string): tf.Tensor1D {
    return named(this.params, `${name}/bias`) as tf.Tensor1D;
  }

  /** InstanceNorm of LeakyReLU(x): one op each way where the backend fuses them (native). */
  private leakyNorm(x: tf.Tensor3D): tf.Tensor3D {
    return instanceNorm(x, { slope: this.config.leakySlope });
  }

  /** x [B, inDim] → latents [B, latentDim], no noise. */
  encode(x: tf.Tensor2D): tf.Tensor2D {
    checkWidth(x, this.inDim, 'encode input');
    const { paddedDim, latentChannels, latentLength } = this.geometry;
    const { fold } = this.config;
    return tf.tidy(() => {
      const batch = x.shape[0];
      let h = x.pad([[0, 0], [0, paddedDim - this.inDim]]).reshape([batch, paddedDim, 1]) as tf.Tensor3D; // [B, P, 1]
      this.config.encChannels.forEach((_, i) => {
        h = convSame(i > 0 ? this.leakyNorm(h) : instanceNorm(h), this.w(`enc.${i}/conv1`), this.b(`enc.${i}/conv1`)); // [B, L, Cmid]
        h = convDown(this.leakyNorm(h), this.w(`enc.${i}/conv2`), this.b(`enc.${i}/conv2`), fold); // [B, L/fold, Cout]
      });
      const z = tf.tanh(h); // [B, Lz, Cz]
      return z.transpose([0, 2, 1]).reshape([batch, latentChannels * latentLength]) as tf.Tensor2D; // [B, Cz·Lz]
    });
  }

  /** latents [B, latentDim] → x [B, inDim] (the decoder's output cropped), no noise. */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    const { latentChannels, latentLength, latentDim } = this.geometry;
    checkWidth(z, latentDim, 'decode input');
    const { fold } = this.config;
    return tf.tidy(() => {
      const batch = z.shape[0];
      let h = z.reshape([batch, latentChannels, latentLength]).transpose([0, 2, 1]) as tf.Tensor3D; // [B, Lz, Cz]
      this.config.decChannels.forEach((_, i) => {
        h = convUp(this.leakyNorm(h), this.w(`dec.${i}/conv1`), this.b(`dec.${i}/conv1`), fold); // [B, L·fold, C]
        h = convSame(this.leakyNorm(h), this.w(`dec.${i}/conv2`), this.b(`dec.${i}/conv2`)); // [B, L·fold, Cnext]
      });
      const out = h.reshape([batch, h.shape[1]]); // [B, Lout]: one channel
      return out.slice([0, 0], [batch, this.inDim]) as tf.Tensor2D; // [B, inDim]
    });
  }

  /**
   * The training pass: noise mixed into the input, then into the latent, which is clamped to
   * [−1, 1], then decoded. x [B, inDim] → [B, inDim].
   */
  trainForward(x: tf.Tensor2D, seeds: NoiseSeeds): tf.Tensor2D {
    return tf.tidy(() => {
      const z = this.encode(mixNoise(x, this.config.inputNoise, seeds.input)); // [B, latentDim]
      return this.decode(tf.clipByValue(mixNoise(z, this.config.latentNoise, seeds.latent), -1, 1));
    });
  }

  dispose(): void {
    tf.dispose([...this.params.values()]);
  }
}

function checkWidth(x: tf.Tensor, width: number, what: string): void {
  if (x.rank !== 2 || x.shape[1] !== width) {
    throw new InputError(`autoencoder ${what} must be [batch, ${width}], got [${x.shape.join(', ')}]`);
  }
}
