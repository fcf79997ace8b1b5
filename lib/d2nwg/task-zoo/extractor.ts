/**
 * The frozen feature extractor of the D2NWG task zoo: ConvNet-S trained once on the base set,
 * the identity variant of every source's training split as one problem, the plan's unseen classes
 * left out (the seen classes of all sources numbered in order: 16 classes for MNIST + Fashion-MNIST
 * with 2 unseen each). Never val or test, never a variant other than identity, never an unseen
 * class, so no held-out variant or class reaches it. Its features are the 64-d
 * pooled activations (the input of `fc`). Resumable: training saves its state (trainModel's
 * checkpoint), the trained weights are saved once, then its val accuracy.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSplits, ImageDataset } from '../../data/dataset';
import { subsetDataset } from '../../data/splits';
import { fashionMnistSplits } from '../../data/fashion-mnist';
import { loadEmbeddedMnistSplits } from '../../data/mnist';
import { SOURCE_CLASSES, type TaskSource } from '../../data/tasks';
import { loadModelWeights, saveModelWeights } from '../../models/checkpoint';
import { ConvNetS, defaultConvNetSConfig } from '../../models/convnet-s';
import { evaluateModel } from '../../models/evaluate';
import { splitFor, type ModelSplit } from '../../models/split';
import { trainModel } from '../../models/train';
import { checkFiniteVariables } from '../../optim/finite-guard';
import { writeFileAtomic } from '../../util/atomic-write';
import { InputError } from '../../util/errors';
import { readFileBytes } from '../../util/read-file';
import { Rng } from '../../util/rng';
import { JsonReader } from '../../zoo/json-reader';
import type { ExtractorConfig, TaskDataConfig } from './config';
import type { ProgressFn } from '../../util/progress';

/** The splits of each source a zoo uses (tests pass synthetic ones). */
export type TaskSources = Partial<Record<TaskSource, DataSplits>>;

export const EXTRACTOR_FILE = 'extractor.safetensors';
export const EXTRACTOR_STATE_FILE = 'extractor-train-state.safetensors';
export const EXTRACTOR_INFO_FILE = 'extractor.json';
const SAVE_EVERY = 50;

/** Loads the named sources: the embedded MNIST split by `data.seed`, the benchmark's Fashion-MNIST split. */
export function loadTaskSources(sources: readonly TaskSource[], data: Pick<TaskDataConfig, 'seed'>): TaskSources {
  return Object.fromEntries(sources.map((s) => [s, s === 'mnist' ? loadEmbeddedMnistSplits(data.seed) : fashionMnistSplits()]));
}

/**
 * At most `cap` images of each class (null: all), drawn at random with `seed` and kept in dataset
 * order: which images a capped split holds follows the run's seed.
 */
export function drawPerClass(ds: ImageDataset, cap: number | null, seed: number): ImageDataset {
  if (cap === null) return ds;
  const taken = new Int32Array(ds.numClasses);
  const keep = Array.from(new Rng(seed).permutation(ds.labels.length)).filter((i) => taken[ds.labels[i]]++ < cap).sort((a, b) => a - b);
  return subsetDataset(ds, keep, `${ds.name}[≤${cap}/class, seed ${seed}]`);
}

/** Per source, the classes left out of the extractor's base set (the plan's unseen classes). */
export type ClassesBySource = Partial<Record<TaskSource, number[]>>;

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
 * The base set of one split: its identity images of every source but the `unseen` classes, `perClass`
 * of each class drawn with `seed`, numbered source by source in class order. The extractor trains on
 * the 'train' base set and is scored on 'val'.
 */
export function extractorBaseSet(
  sources: TaskSources, order: readonly TaskSource[], split: 'train' | 'val', perClass: number | null, unseen: ClassesBySource, seed: number,
): ImageDataset {
  const parts = order.map((s) => drawPerClass(sourceSplits(sources, s)[split], perClass, seed));
  const shape = parts[0].shape;
  const bad = parts.find((p) => p.shape.some((d, i) => d !== shape[i]));
  if (bad) throw new InputError(`${bad.name} has images of [${bad.shape}], ${parts[0].name} of [${shape}]: one extractor needs one shape`);
  const labelOf = new Map<string, number>(); // `${source index}:${class}` → base label
  order.forEach((s, i) => {
    for (let c = 0; c < SOURCE_CLASSES; c++) if (!unseen[s]?.includes(c)) labelOf.set(`${i}:${c}`, labelOf.size);
  });
  const per = shape[0] * shape[1] * shape[2];
  const rows = parts.flatMap((p, i) => Array.from(p.labels.keys()).filter((r) => labelOf.has(`${i}:${p.labels[r]}`)).map((r) => [i, r]));
  const images = new Float32Array(rows.length * per);
  const labels = new Int32Array(rows.length);
  rows.forEach(([i, r], n) => {
    images.set(parts[i].images.subarray(r * per, (r + 1) * per), n * per);
    labels[n] = labelOf.get(`${i}:${parts[i].labels[r]}`)!;
  });
  return { name: `d2nwg-base/${split}[${order.join('+')}, identity]`, images, labels, shape: [...shape], numClasses: labelOf.size };
}

export interface ExtractorInfo {
  /** Classes of the base problem (the seen classes of every source). */
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

/** Trains the extractor (never on the `unseen` classes) into `dir`, or loads it from there, and measures its val accuracy. */
export function trainExtractor(
  sources: TaskSources, order: readonly TaskSource[], config: ExtractorConfig, data: TaskDataConfig, unseen: ClassesBySource, dir: string, onProgress?: ProgressFn,
): Extractor {
  const train = extractorBaseSet(sources, order, 'train', config.perClass, unseen, data.seed);
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
      const val = extractorBaseSet(sources, order, 'val', data.valPerClass, unseen, data.seed);
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
