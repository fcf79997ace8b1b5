/**
 * Image variants that turn one dataset into another task with the same classes: intensity
 * inversion, rotations and flips. Datasets are stored normalised, so inversion needs the
 * normalisation statistics: a pixel p in [0, 1] stored as x = (p − mean) / std becomes 1 − p,
 * stored as (1 − p − mean) / std = (1 − 2·mean) / std − x.
 */
import { InputError } from '../util/errors';
import type { ImageDataset } from './dataset';
import type { ChannelStats } from './normalize';

/** Rotations are counter-clockwise, as numpy's `rot90`; hflip mirrors left-right, vflip top-bottom. */
export const IMAGE_VARIANTS = ['identity', 'invert', 'rot90', 'rot180', 'rot270', 'hflip', 'vflip'] as const;
export type ImageVariant = (typeof IMAGE_VARIANTS)[number];

export function isImageVariant(name: string): name is ImageVariant {
  return (IMAGE_VARIANTS as readonly string[]).includes(name);
}

/**
 * Where output pixel (i, j) of an h×w image reads from, and the output's height and width.
 * Identity and invert keep every pixel in place.
 */
function pixelMap(variant: ImageVariant, h: number, w: number): { outH: number; outW: number; source: (i: number, j: number) => number } {
  switch (variant) {
    case 'identity':
    case 'invert':
      return { outH: h, outW: w, source: (i, j) => i * w + j };
    case 'rot90': // numpy rot90, k = 1: out[i, j] = in[j, w − 1 − i]
      return { outH: w, outW: h, source: (i, j) => j * w + (w - 1 - i) };
    case 'rot180':
      return { outH: h, outW: w, source: (i, j) => (h - 1 - i) * w + (w - 1 - j) };
    case 'rot270': // numpy rot90, k = 3: out[i, j] = in[h − 1 − j, i]
      return { outH: w, outW: h, source: (i, j) => (h - 1 - j) * w + i };
    case 'hflip':
      return { outH: h, outW: w, source: (i, j) => i * w + (w - 1 - j) };
    case 'vflip':
      return { outH: h, outW: w, source: (i, j) => (h - 1 - i) * w + j };
  }
}

/**
 * A copy of `ds` with `variant` applied to every image (labels unchanged). `stats` are the
 * statistics the images were normalised with (one mean and std per channel); only 'invert' uses them.
 */
export function applyVariant(ds: ImageDataset, variant: ImageVariant, stats: ChannelStats): ImageDataset {
  if (!isImageVariant(variant)) throw new InputError(`unknown image variant "${variant}"; expected one of ${IMAGE_VARIANTS.join(', ')}`);
  const [h, w, channels] = ds.shape;
  if (stats.mean.length !== channels || stats.std.length !== channels) {
    throw new InputError(`${ds.name} has ${channels} channels but the stats give ${stats.mean.length} means and ${stats.std.length} stds`);
  }
  const { outH, outW, source } = pixelMap(variant, h, w);
  const n = ds.labels.length;
  const per = h * w * channels;
  if (ds.images.length !== n * per) throw new InputError(`${ds.name}: ${ds.images.length} values do not fit ${n} images of [${ds.shape}]`);
  // Per channel: x ↦ a·x + b; (1, 0) keeps values, (−1, (1 − 2·mean) / std) inverts intensities.
  const scale = stats.mean.map(() => (variant === 'invert' ? -1 : 1));
  const shift = stats.mean.map((m, c) => (variant === 'invert' ? (1 - 2 * m) / stats.std[c] : 0));
  const from = Int32Array.from({ length: outH * outW }, (_, k) => source(Math.floor(k / outW), k % outW));
  const images = new Float32Array(ds.images.length);
  for (let img = 0; img < n; img++) {
    const base = img * per;
    for (let k = 0; k < from.length; k++) {
      for (let c = 0; c < channels; c++) {
        images[base + k * channels + c] = ds.images[base + from[k] * channels + c] * scale[c] + shift[c];
      }
    }
  }
  return { name: `${ds.name}[${variant}]`, images, labels: ds.labels.slice(), shape: [outH, outW, channels], numClasses: ds.numClasses };
}
