import * as path from 'node:path';
import { DataSplits, ImageDataset } from './dataset';
import { loadIdxTrainTest, missingIdxFiles } from './idx-dataset';
import { findProjectRoot, locateDataDir } from './locate';
import { splitTail } from './splits';

/** Fashion-MNIST pixel statistics over the 60,000 training images, pixels in [0, 1]. */
export const FASHION_MNIST_MEAN = 0.286;
export const FASHION_MNIST_STD = 0.353;
/** The benchmark's validation set: the last 5,000 training images. */
export const FASHION_MNIST_VAL_COUNT = 5000;

const HOW_TO_GET = 'apt-get install dataset-fashion-mnist, or npm run download -- fashion-mnist';

/**
 * Directory holding the four Fashion-MNIST IDX files ('.gz' or not). Looks, in order, in
 * `dir` if given; else $FASHION_MNIST_DIR, <project root>/data/fashion-mnist, and
 * /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist).
 * Throws DatasetNotFoundError listing every place looked.
 */
export function locateFashionMnist(dir?: string): string {
  const candidates =
    dir !== undefined
      ? [{ dir, origin: 'directory given' }]
      : [
          { dir: process.env.FASHION_MNIST_DIR, origin: '$FASHION_MNIST_DIR' },
          { dir: path.join(findProjectRoot(), 'data', 'fashion-mnist'), origin: 'project data folder' },
          { dir: '/usr/share/datasets/fashion-mnist', origin: 'Debian package dataset-fashion-mnist' },
        ];
  return locateDataDir('Fashion-MNIST', candidates, missingIdxFiles, HOW_TO_GET);
}

/** The 60,000 training and 10,000 test images, [28, 28, 1], normalised. */
export function loadFashionMnist(dir?: string): { train: ImageDataset; test: ImageDataset } {
  return loadIdxTrainTest(locateFashionMnist(dir), {
    prefix: 'fashion-mnist',
    mean: FASHION_MNIST_MEAN,
    std: FASHION_MNIST_STD,
    numClasses: 10,
  });
}

/** The benchmark split: train = first 55,000 training images, val = last 5,000, test = the 10,000 test images. */
export function fashionMnistSplits(dir?: string): DataSplits {
  const { train, test } = loadFashionMnist(dir);
  const split = splitTail(train, FASHION_MNIST_VAL_COUNT);
  return {
    train: { ...split.train, name: 'fashion-mnist/train' },
    val: { ...split.val, name: 'fashion-mnist/val' },
    test,
  };
}
