/**
 * The trained network every zoo of a run starts from (the shared trunk): trained once with the
 * config's recipe and saved as `base-model.safetensors`, or taken as given when it comes trained
 * (0 epochs); a run that finds the file loads it. Training saves its state every 100 steps, so a
 * kill loses at most that much.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSplits } from '../data/dataset';
import { loadModelWeights, saveModelWeights } from '../models/checkpoint';
import type { TaskModel } from '../models/task-model';
import { trainModel, type TrainConfig } from '../models/train';
import { checkFiniteVariables } from '../optim/finite-guard';
import { flatten } from '../params/flatten';
import { selectParamNames } from '../params/select';
import { readParams } from '../params/tensors';
import type { ParamManifest } from '../params/types';
import type { ProgressFn } from '../util/progress';

export const BASE_MODEL_FILE = 'base-model.safetensors';
/** The task model's training state, so a kill during the base training loses at most this many steps. */
export const BASE_TRAIN_STATE_FILE = 'base-train-state.safetensors';
const BASE_TRAIN_SAVE_EVERY = 100;

/** The subset's names and layout on a model, checked before any long work. */
export function resolveSubset(model: TaskModel, patterns: string[]): { names: string[]; manifest: ParamManifest } {
  const names = selectParamNames([...model.params.keys()], patterns);
  return { names, manifest: flatten(readParams(model.params, names)).manifest };
}

/** Loads, takes as given, or trains (seeded shuffles) the base model in `outDir`. */
export function trainBaseModel(
  model: TaskModel, data: DataSplits, config: { train: TrainConfig; seed: number }, outDir: string, onProgress?: ProgressFn,
): void {
  const baseFile = path.join(outDir, BASE_MODEL_FILE);
  if (fs.existsSync(baseFile)) {
    loadModelWeights(baseFile, model);
  } else if (config.train.epochs === 0) {
    checkFiniteVariables('the given model', 0, new Map([...model.params, ...model.buffers]));
    saveModelWeights(baseFile, model);
  } else {
    const trained = trainModel(model, data.train, { ...config.train, seed: config.seed },
      (p) => onProgress?.('train', p.step, p.totalSteps, { loss: p.loss }),
      { file: path.join(outDir, BASE_TRAIN_STATE_FILE), every: BASE_TRAIN_SAVE_EVERY });
    checkFiniteVariables('task model training', trained.steps, new Map([...model.params, ...model.buffers]));
    saveModelWeights(baseFile, model);
  }
}
