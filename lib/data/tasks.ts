/**
 * Few-way classification tasks carved out of a 10-class source: a sorted subset of its classes,
 * relabelled 0..k−1 in sorted order, under an image variant. A task's id names it in files and
 * reports, e.g. `mnist:0-3-5-7-9:rot90`.
 */
import { InputError } from '../util/errors';
import type { DataSplits, ImageDataset } from './dataset';
import { FASHION_MNIST_MEAN, FASHION_MNIST_STD } from './fashion-mnist';
import { MNIST_MEAN, MNIST_STD } from './mnist';
import type { ChannelStats } from './normalize';
import { filterClasses, subsetDataset } from './splits';
import { applyVariant, isImageVariant, type ImageVariant } from './variants';

export const TASK_SOURCES = ['mnist', 'fashion-mnist'] as const;
export type TaskSource = (typeof TASK_SOURCES)[number];

/** Classes of every task source. */
export const SOURCE_CLASSES = 10;
/** Classes per task unless a config says otherwise. */
export const DEFAULT_TASK_WAYS = 5;

/** The statistics each source's images are normalised with (needed to invert intensities). */
export const SOURCE_STATS: Record<TaskSource, ChannelStats> = {
  mnist: { mean: [MNIST_MEAN], std: [MNIST_STD] },
  'fashion-mnist': { mean: [FASHION_MNIST_MEAN], std: [FASHION_MNIST_STD] },
};

export interface TaskSpec {
  source: TaskSource;
  /** Strictly increasing class ids of the source; label k of the task is classes[k]. */
  classes: number[];
  variant: ImageVariant;
}

/** Throws an InputError naming the problem if `spec` is not a valid task (with `ways` classes, when given). */
export function checkTaskSpec(spec: TaskSpec, ways?: number): void {
  if (!(TASK_SOURCES as readonly string[]).includes(spec.source)) {
    throw new InputError(`unknown task source "${spec.source}"; expected one of ${TASK_SOURCES.join(', ')}`);
  }
  if (!isImageVariant(spec.variant)) throw new InputError(`task variant "${spec.variant}" is not an image variant`);
  const { classes } = spec;
  if (ways !== undefined && classes.length !== ways) throw new InputError(`a task needs ${ways} classes, got [${classes.join(', ')}]`);
  if (classes.length < 2) throw new InputError(`a task needs at least 2 classes, got [${classes.join(', ')}]`);
  classes.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= SOURCE_CLASSES) throw new InputError(`class ${c} is outside [0, ${SOURCE_CLASSES}) of ${spec.source}`);
    if (i > 0 && c === classes[i - 1]) throw new InputError(`class ${c} is listed twice in [${classes.join(', ')}]`);
    if (i > 0 && c < classes[i - 1]) throw new InputError(`task classes must be sorted, got [${classes.join(', ')}]`);
  });
}

/** `source:c0-c1-…:variant`, e.g. `mnist:0-3-5-7-9:rot90`. */
export function taskId(spec: TaskSpec): string {
  checkTaskSpec(spec);
  return `${spec.source}:${spec.classes.join('-')}:${spec.variant}`;
}

/** Inverse of taskId; a malformed id is an InputError. */
export function parseTaskId(id: string): TaskSpec {
  const parts = id.split(':');
  if (parts.length !== 3 || !/^\d+(-\d+)*$/.test(parts[1])) throw new InputError(`task id "${id}" is not source:c0-c1-…:variant`);
  const spec = { source: parts[0], classes: parts[1].split('-').map(Number), variant: parts[2] } as TaskSpec;
  checkTaskSpec(spec);
  return spec;
}

/** A key for a class combination of a source, whatever the variant: `mnist:0-3-5-7-9`. */
export function comboKey(spec: Pick<TaskSpec, 'source' | 'classes'>): string {
  return `${spec.source}:${spec.classes.join('-')}`;
}

/** The task's part of a source dataset: its classes only, relabelled 0..k−1, the variant applied. */
export function taskDataset(ds: ImageDataset, spec: TaskSpec): ImageDataset {
  checkTaskSpec(spec);
  if (ds.numClasses !== SOURCE_CLASSES) throw new InputError(`${ds.name} has ${ds.numClasses} classes, a task source has ${SOURCE_CLASSES}`);
  const task = applyVariant(filterClasses(ds, spec.classes), spec.variant, SOURCE_STATS[spec.source]);
  return { ...task, name: `${ds.name}/${taskId(spec)}` };
}

/** taskDataset of each split. */
export function taskSplits(splits: DataSplits, spec: TaskSpec): DataSplits {
  return { train: taskDataset(splits.train, spec), val: taskDataset(splits.val, spec), test: taskDataset(splits.test, spec) };
}

/**
 * At most `cap` samples of each class, the first ones in dataset order (null: all), order kept.
 * Caps the cost of a run without changing which samples a split holds.
 */
export function capPerClass(ds: ImageDataset, cap: number | null): ImageDataset {
  if (cap === null) return ds;
  if (!Number.isInteger(cap) || cap < 1) throw new InputError(`a per-class cap must be a positive integer or null, got ${cap}`);
  const taken = new Int32Array(ds.numClasses);
  const indices: number[] = [];
  ds.labels.forEach((label, i) => {
    if (taken[label]++ < cap) indices.push(i);
  });
  return subsetDataset(ds, indices, `${ds.name}[≤${cap}/class]`);
}
