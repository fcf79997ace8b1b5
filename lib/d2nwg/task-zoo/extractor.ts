/**
 * The frozen feature extractor of the D2NWG task zoo: ConvNet-S trained once on the base set,
 * the identity variant of every source's training split as one problem (class c of the i-th
 * source is class 10·i + c: 20 classes for MNIST + Fashion-MNIST). Never val or test, never a
 * variant other than identity, so no held-out variant reaches it. Its features are the 64-d
 * pooled activations (the input of `fc`). Resumable: training saves its state (trainModel's
 * checkpoint), the trained weights are saved once, then its val accuracy.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSplits, ImageDataset } from '../../data/dataset';
import { fashionMnistSplits } from '../../data/fashion-mnist';
import { loadEmbeddedMnistSplits } from '../../data/mnist';
import { capPerClass, SOURCE_CLASSES, type TaskSource } from '../../data/tasks';
import { loadModelWeights, saveModelWeights } from '../../models/checkpoint';
import { ConvNetS, defaultConvNetSConfig } from '../../models/convnet-s';
import { evaluateModel } from '../../models/evaluate';
import { splitFor, type ModelSplit } from '../../models/split';
import { trainModel } from '../../models/train';
import { checkFiniteVariables } from '../../optim/finite-guard';
import { writeFileAtomic } from '../../util/atomic-write';
import { InputError } from '../../util/errors';
import { readFileBytes } from '../../util/read-file';
import { JsonReader } from '../../zoo/json-reader';
import type { ExtractorConfig, TaskDataConfig } from './config';
import type { ProgressFn } from '../../util/progress';

/** The splits of each source a zoo uses (tests pass synthetic ones). */
export type TaskSources = Partial<Record<TaskSource, DataSplits>>;

export const EXTRACTOR_FILE = 'extractor.safetensors';
export const EXTRACTOR_STATE_FILE = 'extractor-train-state.safetensors';
export const EXTRACTOR_INFO_FILE = 'extractor.json';
const SAVE_EVERY = 50;

/** Loads the named sources: the embedded MNIST split by `data.mnistSplitSeed`, the benchmark's Fashion-MNIST split. */
export function loadTaskSources(sources: readonly TaskSource[], data: Pick<TaskDataConfig, 'mnistSplitSeed'>): TaskSources {
  return Object.fromEntries(sources.map((s) => [s, s === 'mnist' ? loadEmbeddedMnistSplits(data.mnistSplitSeed) : fashionMnistSplits()]));
}

/** The splits of `source`, checked to be 10-class datasets of one image shape. */
export function sourceSplits(sources: TaskSources, source: TaskSource): DataSplits {
  const splits = sources[source];
  if (!splits) throw new InputError(`no data given for task source "${source}"`);
  for (const ds of [splits.train, splits.val, splits.test]) {
    if (ds.numClasses !== SOURCE_CLASSES) throw new InputError(`${ds.name} has ${ds.numClasses} classes, a task source needs ${SOURCE_CLASSES}`);
  }
  return splits;
}

/**
 * The base set of one split: its identity images of every source, capped per class, with source i's
 * class c relabelled 10·i + c. The extractor trains on the 'train' base set and is scored on 'val'.
 */
export function extractorBaseSet(sources: TaskSources, order: readonly TaskSource[], split: 'train' | 'val', perClass: number | null): ImageDataset {
  const parts = order.map((s) => capPerClass(sourceSplits(sources, s)[split], perClass));
  const shape = parts[0].shape;
  const bad = parts.find((p) => p.shape.some((d, i) => d !== shape[i]));
  if (bad) throw new InputError(`${bad.name} has images of [${bad.shape}], ${parts[0].name} of [${shape}]: one extractor needs one shape`);
  const count = parts.reduce((n, p) => n + p.labels.length, 0);
  const images = new Float32Array(count * shape[0] * shape[1] * shape[2]);
  const labels = new Int32Array(count);
  let at = 0;
  parts.forEach((p, i) => {
    images.set(p.images, at * shape[0] * shape[1] * shape[2]);
    labels.set(p.labels.map((c) => SOURCE_CLASSES * i + c), at);
    at += p.labels.length;
  });
  return { name: `d2nwg-base/${split}[${order.join('+')}, identity]`, images, labels, shape: [...shape], numClasses: SOURCE_CLASSES * order.length };
}

export interface ExtractorInfo {
  /** Classes of the base problem (10 per source). */
  classes: number;
  trainImages: number;
  valImages: number;
  /** Accuracy in [0, 1] on the base problem's val set (the sources' identity val splits, capped). */
  valAccuracy: number;
  /** SHA-256 of the weights file: feature caches name the extractor they came from. */
  weightsSha256: string;
}

export interface Extractor {
  model: ConvNetS;
  /** The cut after global pooling: trunk(images) → [N, 64] features. */
  split: ModelSplit;
  info: ExtractorInfo;
}

/** Trains the extractor into `dir` (or loads it from there) and measures its val accuracy. */
export function trainExtractor(
  sources: TaskSources, order: readonly TaskSource[], config: ExtractorConfig, valPerClass: number | null, dir: string, onProgress?: ProgressFn,
): Extractor {
  const train = extractorBaseSet(sources, order, 'train', config.perClass);
  const model = new ConvNetS({ ...defaultConvNetSConfig, inChannels: train.shape[2], numClasses: train.numClasses }, config.seed);
  try {
    const weightsFile = path.join(dir, EXTRACTOR_FILE);
    if (fs.existsSync(weightsFile)) {
      loadModelWeights(weightsFile, model);
    } else {
      const result = trainModel(model, train, { ...config.train, seed: config.seed },
        (p) => onProgress?.('extractor', p.step, p.totalSteps, { loss: p.loss }),
        { file: path.join(dir, EXTRACTOR_STATE_FILE), every: SAVE_EVERY });
      checkFiniteVariables('D2NWG extractor training', result.steps, new Map([...model.params, ...model.buffers]));
      saveModelWeights(weightsFile, model);
    }
    const weightsSha256 = createHash('sha256').update(fs.readFileSync(weightsFile)).digest('hex');
    const infoFile = path.join(dir, EXTRACTOR_INFO_FILE);
    let info = fs.existsSync(infoFile) ? readExtractorInfo(infoFile) : undefined;
    if (info?.weightsSha256 !== weightsSha256) {
      const val = extractorBaseSet(sources, order, 'val', valPerClass);
      info = { classes: train.numClasses, trainImages: train.labels.length, valImages: val.labels.length, valAccuracy: evaluateModel(model, val).accuracy, weightsSha256 };
      writeFileAtomic(infoFile, `${JSON.stringify(info, null, 1)}\n`);
    }
    return { model, split: splitFor(model, ['fc/weight', 'fc/bias']), info };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

export function readExtractorInfo(file: string): ExtractorInfo {
  const json = JsonReader.parse(file, new TextDecoder().decode(readFileBytes(file)));
  return {
    classes: json.integer('classes'),
    trainImages: json.integer('trainImages'),
    valImages: json.integer('valImages'),
    valAccuracy: json.number('valAccuracy'),
    weightsSha256: json.string('weightsSha256'),
  };
}
