/**
 * The out-of-distribution images of a BEND run: models of MNIST are shown Fashion-MNIST images and
 * models of Fashion-MNIST are shown MNIST digits (both 28×28 grey). The images are drawn from the
 * other dataset's test split and normalised with the run's own dataset statistics, exactly as the
 * model's own inputs are, so only the content differs.
 */
import type { ImageDataset } from '../data/dataset';
import { FASHION_MNIST_MEAN, FASHION_MNIST_STD, fashionMnistSplits } from '../data/fashion-mnist';
import { loadEmbeddedMnistSplits, MNIST_MEAN, MNIST_STD } from '../data/mnist';
import { normalizePixels } from '../data/normalize';
import { subsetDataset } from '../data/splits';
import type { PdiffDataset } from '../pdiff/config';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import type { BendConfig } from './config';
import { bendSeeds } from './config';

interface Source {
  /** The other dataset's test images, normalised with its own statistics. */
  load: () => ImageDataset;
  /** Its statistics, and those of the run's dataset. */
  from: { mean: number; std: number };
  to: { mean: number; std: number };
}

const MNIST = { mean: MNIST_MEAN, std: MNIST_STD };
const FASHION = { mean: FASHION_MNIST_MEAN, std: FASHION_MNIST_STD };

function sourceFor(dataset: PdiffDataset, seed: number): Source {
  return dataset === 'mnist'
    ? { load: () => fashionMnistSplits().test, from: FASHION, to: MNIST }
    : { load: () => loadEmbeddedMnistSplits(seed).test, from: MNIST, to: FASHION };
}

/** `count` images of `ds` drawn with `seed`, re-normalised from the `from` statistics to the `to` ones. */
export function renormalizedSample(ds: ImageDataset, count: number, seed: number, from: Source['from'], to: Source['to']): ImageDataset {
  const n = ds.labels.length;
  if (!(Number.isInteger(count) && count >= 1 && count <= n)) throw new InputError(`ood.images must be in 1…${n}, got ${count}`);
  const sample = subsetDataset(ds, new Rng(seed).permutation(n).slice(0, count), ds.name);
  const pixels = Float32Array.from(sample.images, (v) => v * from.std + from.mean); // back to [0, 1]
  return { ...sample, images: normalizePixels(pixels, { mean: [to.mean], std: [to.std] }, 1) };
}

/** The run's OOD images: `config.ood.images` of the other dataset's test split. */
export const loadOodData = (config: BendConfig): ImageDataset => oodImagesFor(config.pdiff.dataset, config.pdiff.seed, config.ood.images);

/** `images` OOD images for a run on `dataset` with `seed`: the other dataset's test split, drawn with the seed. */
export function oodImagesFor(dataset: PdiffDataset, seed: number, images: number): ImageDataset {
  const source = sourceFor(dataset, seed);
  return renormalizedSample(source.load(), images, bendSeeds(seed).oodImages, source.from, source.to);
}
