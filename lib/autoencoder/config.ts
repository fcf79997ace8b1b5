/**
 * Configuration of the p-diff parameter autoencoder (official `ODEncoder2Decoder`, configs
 * "small" and "medium" of core/module/modules/encoder.py) and the geometry it implies:
 * padded input length, per-block lengths, latent shape.
 */
import { InputError } from '../util/errors';

export interface AutoencoderConfig {
  /** Down/upsampling factor per block: stride of the encoder's strided conv and of the decoder's transposed conv. */
  fold: number;
  /** Kernel size of every convolution (stride-1 convs are padded by floor(kernel / 2), as in PyTorch). */
  kernel: number;
  /** Output channels of each encoder block; the last is the latent's channel count. */
  encChannels: number[];
  /** Channels of each decoder block (the first must equal the latent's channels); the output has 1 channel. */
  decChannels: number[];
  /** Training-time noise mixing factor a on the input: x ← (1 − a)·x + a·N(0, 1). */
  inputNoise: number;
  /** Training-time noise mixing factor on the latent, which is then clamped to [−1, 1]. */
  latentNoise: number;
  /** Negative slope of every LeakyReLU (PyTorch's default 0.01). */
  leakySlope: number;
}

export type AutoencoderPreset = 'small' | 'medium';

const noise = { inputNoise: 0.001, latentNoise: 0.1, leakySlope: 0.01 };

/** The official configs: "small" for subsets of a few hundred floats (the pdiff-small benchmark), "medium" for ~2048. */
export const autoencoderPresets: Record<AutoencoderPreset, AutoencoderConfig> = {
  small: { fold: 3, kernel: 3, encChannels: [2, 2, 2, 2], decChannels: [2, 64, 64, 8], ...noise },
  medium: { fold: 5, kernel: 5, encChannels: [4, 4, 4, 4], decChannels: [4, 256, 256, 8], ...noise },
};

export const defaultAutoencoderConfig: AutoencoderConfig = autoencoderPresets.small;

/** Lengths and channels of the tensors flowing through an autoencoder for one input size. */
export interface AutoencoderGeometry {
  /** Length of the parameter vectors. */
  inDim: number;
  /** Zero-padded input length: (floor(inDim / fold^n) + 1)·fold^n, n = encoder blocks (official formula). */
  paddedDim: number;
  /** Length after each encoder block; the last is the latent length. */
  encLengths: number[];
  /** Length after each decoder block; the last (≥ inDim) is cropped to inDim. */
  decLengths: number[];
  latentChannels: number;
  latentLength: number;
  /** latentChannels · latentLength: the flattened latent (channel-major, as PyTorch's [C, L]). */
  latentDim: number;
}

const positiveInt = (v: number) => Number.isInteger(v) && v > 0;

/** Throws an InputError naming the first field that cannot describe a working autoencoder. */
export function checkAutoencoderConfig(config: AutoencoderConfig): void {
  const { fold, kernel, encChannels, decChannels } = config;
  if (!positiveInt(fold)) throw new InputError(`autoencoder fold must be a positive integer, got ${fold}`);
  if (!positiveInt(kernel)) throw new InputError(`autoencoder kernel must be a positive integer, got ${kernel}`);
  for (const [name, channels] of [['encChannels', encChannels], ['decChannels', decChannels]] as const) {
    if (channels.length === 0 || !channels.every(positiveInt)) {
      throw new InputError(`autoencoder ${name} must be a non-empty list of positive integers, got [${channels.join(', ')}]`);
    }
  }
  if (decChannels[0] !== encChannels[encChannels.length - 1]) {
    throw new InputError(`autoencoder decChannels[0] (${decChannels[0]}) must equal the latent channels, encChannels' last (${encChannels[encChannels.length - 1]})`);
  }
  for (const name of ['inputNoise', 'latentNoise'] as const) {
    if (!(config[name] >= 0 && config[name] <= 1)) throw new InputError(`autoencoder ${name} must be in [0, 1], got ${config[name]}`);
  }
  if (!Number.isFinite(config.leakySlope)) throw new InputError(`autoencoder leakySlope must be finite, got ${config.leakySlope}`);
}

/** Output length of PyTorch's Conv1d(kernel, stride 1, padding floor(kernel / 2)): L for odd kernels, L + 1 for even. */
export function sameConvLength(length: number, kernel: number): number {
  return length + 2 * Math.floor(kernel / 2) - kernel + 1;
}

/** The official padded length: always at least one extra fold^n block, e.g. 778 → 810 (small), 1250 (medium). */
export function paddedLength(config: Pick<AutoencoderConfig, 'fold' | 'encChannels'>, inDim: number): number {
  const block = config.fold ** config.encChannels.length;
  return (Math.floor(inDim / block) + 1) * block;
}

/** Geometry for vectors of length inDim; an InputError if the config cannot encode and decode them. */
export function autoencoderGeometry(config: AutoencoderConfig, inDim: number): AutoencoderGeometry {
  checkAutoencoderConfig(config);
  if (!positiveInt(inDim)) throw new InputError(`autoencoder input dim must be a positive integer, got ${inDim}`);
  const { fold, kernel } = config;
  const paddedDim = paddedLength(config, inDim);
  const encLengths: number[] = [];
  let length = paddedDim;
  for (let i = 0; i < config.encChannels.length; i++) {
    const convLength = sameConvLength(length, kernel);
    if (convLength < kernel) throw new InputError(`autoencoder encoder block ${i} gets length ${convLength} < kernel ${kernel} (input dim ${inDim})`);
    length = Math.floor((convLength - kernel) / fold) + 1; // Conv1d(kernel, stride fold), no padding
    encLengths.push(length);
  }
  const latentLength = length;
  if (latentLength < 2) {
    // The decoder starts with an InstanceNorm, which maps a length-1 signal to zeros (PyTorch refuses it).
    throw new InputError(`autoencoder latent length is ${latentLength} for input dim ${inDim}; it must be at least 2 (fewer encoder blocks or a smaller fold)`);
  }
  const decLengths: number[] = [];
  for (let i = 0; i < config.decChannels.length; i++) {
    length = sameConvLength((length - 1) * fold + kernel, kernel); // ConvTranspose1d(kernel, stride fold), then Conv1d
    decLengths.push(length);
  }
  if (length < inDim) {
    throw new InputError(`autoencoder decoder output length ${length} is shorter than the input dim ${inDim}; add decoder blocks or raise fold`);
  }
  const latentChannels = config.encChannels[config.encChannels.length - 1];
  return { inDim, paddedDim, encLengths, decLengths, latentChannels, latentLength, latentDim: latentChannels * latentLength };
}
