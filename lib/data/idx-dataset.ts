import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError, InputError } from '../util/errors';
import { ImageDataset } from './dataset';
import { readIdx } from './idx';
import { normalizePixels } from './normalize';

/** How to turn an IDX image file and its label file into a dataset. */
export interface IdxPairOptions {
  /** Dataset name, e.g. 'fashion-mnist/train'. */
  name: string;
  /** Mean of the pixels scaled to [0, 1]. */
  mean: number;
  /** Standard deviation of the pixels scaled to [0, 1]. */
  std: number;
  /** Labels must lie in [0, numClasses). */
  numClasses: number;
}

/** Grayscale images [N, H, W] and labels [N] in IDX files → dataset of shape [H, W, 1]. */
export function loadIdxPair(imagesFile: string, labelsFile: string, options: IdxPairOptions): ImageDataset {
  const images = readIdx(imagesFile);
  if (images.dims.length !== 3) {
    throw new FileFormatError(imagesFile, `expected images of dims [N, H, W], got [${images.dims.join(', ')}]`);
  }
  const labels = readIdx(labelsFile);
  if (labels.dims.length !== 1) {
    throw new FileFormatError(labelsFile, `expected labels of dims [N], got [${labels.dims.join(', ')}]`);
  }
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new FileFormatError(labelsFile, `${labels.dims[0]} labels but ${imagesFile} holds ${count} images`);
  }
  const labelArray = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = labels.data[i];
    if (label >= options.numClasses) {
      throw new FileFormatError(labelsFile, `label ${label} at index ${i} is not below numClasses ${options.numClasses}`);
    }
    labelArray[i] = label;
  }
  return {
    name: options.name,
    images: normalizePixels(images.data, { mean: [options.mean], std: [options.std] }),
    labels: labelArray,
    shape: [height, width, 1],
    numClasses: options.numClasses,
  };
}

/** The four files of an MNIST-style directory, without the optional '.gz'. */
export const IDX_TRAIN_TEST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** `dir/base` if present, else `dir/base.gz`, else undefined (the plain file reads faster). */
export function findIdxFile(dir: string, base: string): string | undefined {
  return [base, `${base}.gz`].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
}

/** Names of the MNIST-style files missing from `dir` (either spelling counts as present). */
export function missingIdxFiles(dir: string): string[] {
  return Object.values(IDX_TRAIN_TEST_FILES)
    .filter((base) => findIdxFile(dir, base) === undefined)
    .map((base) => `${base}[.gz]`);
}

/** Train and test sets of an MNIST-style directory (names `${prefix}/train`, `${prefix}/test`). */
export function loadIdxTrainTest(
  dir: string,
  options: Omit<IdxPairOptions, 'name'> & { prefix: string },
): { train: ImageDataset; test: ImageDataset } {
  const missing = missingIdxFiles(dir);
  if (missing.length > 0) throw new InputError(`${dir} lacks ${missing.join(', ')}`);
  const file = (base: string) => findIdxFile(dir, base) as string;
  const { prefix, ...stats } = options;
  const f = IDX_TRAIN_TEST_FILES;
  return {
    train: loadIdxPair(file(f.trainImages), file(f.trainLabels), { ...stats, name: `${prefix}/train` }),
    test: loadIdxPair(file(f.testImages), file(f.testLabels), { ...stats, name: `${prefix}/test` }),
  };
}
