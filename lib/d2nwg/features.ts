/**
 * The feature cache of the D2NWG task zoo: the frozen extractor's 64-d features of every
 * (source, variant, split), computed once over the split's capped images (all 10 classes, original
 * labels) and kept on disk as `features/<source>.<variant>.<split>.safetensors` (tensors
 * `features` [N, F] and `labels` [N], labels stored as float32), each written atomically, so an
 * interrupted run recomputes only the missing files. A task's features are a filter of its
 * source's: its classes, relabelled 0..k−1 — no image is run through the extractor twice.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SOURCE_CLASSES, SOURCE_STATS, taskId, type TaskSource, type TaskSpec } from '../data/tasks';
import { applyVariant, type ImageVariant } from '../data/variants';
import { computeFeatures } from '../eval/features';
import type { VectorSet } from '../params/types';
import { FileFormatError } from '../util/errors';
import { readSafetensors, writeSafetensors } from '../zoo/safetensors';
import type { FeatureSet } from './heads';
import { drawPerClass, sourceSplits, type Extractor, type TaskSources } from './task-zoo/extractor';
import type { TaskDataConfig } from './task-zoo/config';
import { pickRows } from '../params/rows';

export type SplitName = 'train' | 'val' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];
export const FEATURES_DIR = 'features';

/** One cached array of features. */
export interface FeatureKey {
  source: TaskSource;
  variant: ImageVariant;
  split: SplitName;
}

export function featureFile(dir: string, key: FeatureKey): string {
  return path.join(dir, FEATURES_DIR, `${key.source}.${key.variant}.${key.split}.safetensors`);
}

function capOf(data: TaskDataConfig, split: SplitName): number | null {
  return split === 'train' ? data.trainPerClass : split === 'val' ? data.valPerClass : data.testPerClass;
}

/**
 * Computes the features of each key not cached yet (or cached from another extractor) into `dir`.
 * Only this writes the cache; it never trains anything.
 */
export function fillFeatureCache(
  dir: string, sources: TaskSources, data: TaskDataConfig, extractor: Extractor, keys: readonly FeatureKey[],
  onDone?: (done: number, total: number) => void,
): void {
  keys.forEach((key, i) => {
    const file = featureFile(dir, key);
    if (!fs.existsSync(file) || readSafetensors(file).metadata.extractorSha256 !== extractor.info.weightsSha256) {
      const images = applyVariant(drawPerClass(sourceSplits(sources, key.source)[key.split], capOf(data, key.split), data.seed), key.variant, SOURCE_STATS[key.source]);
      const features = computeFeatures(extractor.split, images); // [N, F]
      const values = features.dataSync() as Float32Array;
      const dim = features.shape[1] as number;
      features.dispose();
      writeSafetensors(file, [
        { name: 'features', shape: [images.labels.length, dim], data: values },
        { name: 'labels', shape: [images.labels.length], data: Float32Array.from(images.labels) },
      ], { extractorSha256: extractor.info.weightsSha256, source: key.source, variant: key.variant, split: key.split });
    }
    onDone?.(i + 1, keys.length);
  });
}

/** Read access to a filled cache, loading each file once; every file is checked against the extractor. */
export class FeatureStore {
  private readonly loaded = new Map<string, FeatureSet>();

  constructor(readonly dir: string, readonly extractorSha256: string) {}

  get(key: FeatureKey): FeatureSet {
    const file = featureFile(this.dir, key);
    let set = this.loaded.get(file);
    if (!set) {
      set = readFeatureFile(file, key, this.extractorSha256);
      this.loaded.set(file, set);
    }
    return set;
  }
}

function readFeatureFile(file: string, key: FeatureKey, extractorSha256: string): FeatureSet {
  const { tensors, metadata } = readSafetensors(file);
  if (metadata.extractorSha256 !== extractorSha256) throw new FileFormatError(file, 'holds features of another extractor than this zoo\'s');
  for (const field of ['source', 'variant', 'split'] as const) {
    if (metadata[field] !== key[field]) throw new FileFormatError(file, `metadata ${field} is "${metadata[field]}", expected "${key[field]}"`);
  }
  const features = tensors.find((t) => t.name === 'features');
  const labels = tensors.find((t) => t.name === 'labels');
  if (!features || !labels || features.shape.length !== 2 || labels.shape.length !== 1 || labels.shape[0] !== features.shape[0]) {
    throw new FileFormatError(file, 'needs tensors "features" [N, F] and "labels" [N]');
  }
  const bad = labels.data.findIndex((l) => !(Number.isInteger(l) && l >= 0 && l < SOURCE_CLASSES));
  if (bad >= 0) throw new FileFormatError(file, `label ${labels.data[bad]} of row ${bad} is not a class of the source`);
  if (!features.data.every(Number.isFinite)) throw new FileFormatError(file, 'features hold NaN or Infinity');
  const [count, dim] = features.shape;
  return { count, dim, data: features.data, labels: Int32Array.from(labels.data), numClasses: SOURCE_CLASSES };
}

/** The rows of `set` whose label is in `classes` (sorted), relabelled to their index in `classes`. */
export function selectClasses(set: FeatureSet, classes: readonly number[]): FeatureSet {
  const newLabel = new Map(classes.map((c, k) => [c, k]));
  const rows: number[] = [];
  set.labels.forEach((label, i) => {
    if (newLabel.has(label)) rows.push(i);
  });
  return { ...pickRows(set, rows), labels: Int32Array.from(rows, (r) => newLabel.get(set.labels[r])!), numClasses: classes.length };
}

/** Each class's rows of `set` as a [n_k, F] set, in class order. */
export function groupByClass(set: FeatureSet): VectorSet[] {
  return Array.from({ length: set.numClasses }, (_, k) => {
    return pickRows(set, [...set.labels.keys()].filter((i) => set.labels[i] === k));
  });
}

/** A task's features: train, val and test, relabelled 0..k−1, and the training rows by class (to draw few-shot conditions from). */
export interface TaskFeatures {
  id: string;
  spec: TaskSpec;
  train: FeatureSet;
  val: FeatureSet;
  test: FeatureSet;
  /** trainByClass[k]: [n_k, F] training features of class spec.classes[k]. */
  trainByClass: VectorSet[];
}

export function taskFeatures(store: FeatureStore, spec: TaskSpec): TaskFeatures {
  const [train, val, test] = SPLIT_NAMES.map((split) => selectClasses(store.get({ source: spec.source, variant: spec.variant, split }), spec.classes));
  return { id: taskId(spec), spec, train, val, test, trainByClass: groupByClass(train) };
}
