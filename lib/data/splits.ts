import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import { ImageDataset, datasetSize, valuesPerImage } from './dataset';

/** A copy of the samples at `indices`, in that order. */
export function subsetDataset(ds: ImageDataset, indices: ArrayLike<number>, name = `${ds.name}[subset]`): ImageDataset {
  const n = datasetSize(ds);
  const per = valuesPerImage(ds);
  const images = new Float32Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (!Number.isInteger(k) || k < 0 || k >= n) throw new InputError(`index ${k} at position ${i} is outside [0, ${n})`);
    images.set(ds.images.subarray(k * per, (k + 1) * per), i * per);
    labels[i] = ds.labels[k];
  }
  return { name, images, labels, shape: [...ds.shape], numClasses: ds.numClasses };
}

/** First N − valCount samples as train, last valCount as val (the benchmark's convention). */
export function splitTail(ds: ImageDataset, valCount: number): { train: ImageDataset; val: ImageDataset } {
  const n = datasetSize(ds);
  if (!Number.isInteger(valCount) || valCount < 1 || valCount >= n) {
    throw new InputError(`valCount must be an integer in [1, ${n - 1}] for ${ds.name} of ${n} samples, got ${valCount}`);
  }
  const cut = n - valCount;
  return {
    train: subsetDataset(ds, range(0, cut), `${ds.name}[0:${cut}]`),
    val: subsetDataset(ds, range(cut, n), `${ds.name}[${cut}:${n}]`),
  };
}

/**
 * Sizes of the parts of a random split: `fractions` (non-negative, summing to 1) or `counts`
 * (summing to at most N; the rest is left out). Every part must be non-empty.
 */
export type SplitSizes = { fractions: readonly number[] } | { counts: readonly number[] };

/** Disjoint index sets over 0..n-1 drawn from one seeded permutation; each in permutation order. */
export function randomSplitIndices(n: number, sizes: SplitSizes, seed: number): Int32Array[] {
  const counts = 'fractions' in sizes ? countsFromFractions(n, sizes.fractions) : checkCounts(n, sizes.counts);
  const perm = new Rng(seed).permutation(n);
  const parts: Int32Array[] = [];
  let start = 0;
  for (const count of counts) {
    parts.push(perm.slice(start, start + count));
    start += count;
  }
  return parts;
}

/** `randomSplitIndices` applied to a dataset; part i is named `${ds.name}[split i, seed s]`. */
export function randomSplit(ds: ImageDataset, sizes: SplitSizes, seed: number): ImageDataset[] {
  return randomSplitIndices(datasetSize(ds), sizes, seed).map((indices, i) =>
    subsetDataset(ds, indices, `${ds.name}[split ${i}, seed ${seed}]`),
  );
}

/**
 * The samples whose label is in `classes`. With labels 'relabel' (default) class classes[j]
 * becomes j and numClasses = classes.length (an n-way task); with 'keep' labels stay as they are.
 */
export function filterClasses(ds: ImageDataset, classes: readonly number[], labels: 'relabel' | 'keep' = 'relabel'): ImageDataset {
  if (classes.length === 0) throw new InputError('filterClasses needs at least one class');
  const newLabel = new Map<number, number>();
  classes.forEach((c, j) => {
    if (!Number.isInteger(c) || c < 0 || c >= ds.numClasses) throw new InputError(`class ${c} is outside [0, ${ds.numClasses}) of ${ds.name}`);
    if (newLabel.has(c)) throw new InputError(`class ${c} is listed twice`);
    newLabel.set(c, labels === 'relabel' ? j : c);
  });
  const indices: number[] = [];
  ds.labels.forEach((label, i) => {
    if (newLabel.has(label)) indices.push(i);
  });
  const subset = subsetDataset(ds, indices, `${ds.name}[classes ${classes.join(',')}]`);
  subset.labels = subset.labels.map((label) => newLabel.get(label) as number);
  if (labels === 'relabel') subset.numClasses = classes.length;
  return subset;
}

function countsFromFractions(n: number, fractions: readonly number[]): number[] {
  if (fractions.length === 0 || fractions.some((f) => !(f >= 0))) {
    throw new InputError(`fractions must be a non-empty list of non-negative numbers, got [${fractions.join(', ')}]`);
  }
  const total = fractions.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-9) throw new InputError(`fractions must sum to 1, got ${total}`);
  // Round the cumulative boundaries, not each part, so the parts always add up to n.
  let cumulative = 0;
  let previous = 0;
  const counts = fractions.map((f, i) => {
    cumulative += f;
    const boundary = i === fractions.length - 1 ? n : Math.round(cumulative * n);
    const count = boundary - previous;
    previous = boundary;
    return count;
  });
  return checkCounts(n, counts);
}

function checkCounts(n: number, counts: readonly number[]): number[] {
  if (counts.length === 0 || counts.some((c) => !Number.isInteger(c) || c < 1)) {
    throw new InputError(`every part of a split of ${n} samples needs a positive integer size, got [${counts.join(', ')}]`);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  if (total > n) throw new InputError(`split sizes [${counts.join(', ')}] add up to ${total}, more than the ${n} samples`);
  return [...counts];
}

function range(start: number, end: number): Int32Array {
  return Int32Array.from({ length: end - start }, (_, i) => start + i);
}
