import { InputError } from '../util/errors';

/** Per-channel statistics of pixels scaled to [0, 1]; one entry per channel. */
export interface ChannelStats {
  mean: readonly number[];
  std: readonly number[];
}

/**
 * Channels-last pixels → float32 `(p / pixelMax - mean[c]) / std[c]`, where the channel of
 * element i is i % channels (HWC layout).
 * @param pixelMax value of a full-intensity pixel: 255 for bytes, 1 for pixels already in [0, 1].
 */
export function normalizePixels(pixels: ArrayLike<number>, stats: ChannelStats, pixelMax = 255): Float32Array {
  const channels = stats.mean.length;
  if (channels < 1 || stats.std.length !== channels) {
    throw new InputError(`need one mean and one std per channel, got ${stats.mean.length} and ${stats.std.length}`);
  }
  if (stats.std.some((s) => !(s > 0))) throw new InputError(`std must be positive, got [${stats.std.join(', ')}]`);
  if (pixels.length % channels !== 0) {
    throw new InputError(`${pixels.length} pixel values do not split into ${channels} channels`);
  }
  // Fold the division and the mean into one multiply-add per value.
  const scale = stats.std.map((s) => 1 / (pixelMax * s));
  const shift = stats.mean.map((m, c) => m / stats.std[c]);
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i += channels) {
    for (let c = 0; c < channels; c++) out[i + c] = pixels[i + c] * scale[c] - shift[c];
  }
  return out;
}
