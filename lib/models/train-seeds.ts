/**
 * Independent models from seeds, as every zoo of independent runs and deep ensemble trains them:
 * model i is `createModel(spec, seeds[i])` trained with seeds[i] (initialisation and shuffles).
 * `modelsAtOnce` K trains them K at a time (./train-together); a group of one, and so every model
 * when K = 1, is trained alone by `trainModel`.
 */
import type { ImageDataset } from '../data/dataset';
import { InputError } from '../util/errors';
import { createModel, type ModelSpec } from './registry';
import type { TaskModel } from './task-model';
import { trainModel, type TrainConfig, type TrainResult } from './train';
import { trainModelsTogether } from './train-together';

/** A log step of a group of models (one model when they train alone). */
export interface GroupProgress {
  /** Index of the group's first model and the group's size. */
  first: number;
  count: number;
  step: number;
  totalSteps: number;
  /** Mean loss of the group's models. */
  loss: number;
}

/** Checks a `modelsAtOnce` setting, naming the config field it came from. */
export function checkModelsAtOnce(value: number, field: string): void {
  if (!(Number.isInteger(value) && value >= 1)) throw new InputError(`${field} must be an integer ≥ 1, got ${value}`);
}

/**
 * Trains one model per seed, `modelsAtOnce` at a time, and hands each trained model to `use` in
 * seed order (before the next group starts); the models are disposed after their group.
 */
export function trainSeedModels(
  spec: ModelSpec, data: ImageDataset, config: TrainConfig, seeds: readonly number[], modelsAtOnce: number,
  use: (model: TaskModel, result: TrainResult, index: number) => void, onProgress?: (p: GroupProgress) => void,
): void {
  checkModelsAtOnce(modelsAtOnce, 'modelsAtOnce');
  for (let first = 0; first < seeds.length; first += modelsAtOnce) {
    const groupSeeds = seeds.slice(first, first + modelsAtOnce);
    const models: TaskModel[] = [];
    try {
      for (const seed of groupSeeds) models.push(createModel(spec, seed));
      const count = models.length;
      const results = count === 1
        ? [trainModel(models[0], data, { ...config, seed: groupSeeds[0] }, (p) => onProgress?.({ first, count, step: p.step, totalSteps: p.totalSteps, loss: p.loss }))]
        : trainModelsTogether(models, data, config, groupSeeds, (p) =>
          onProgress?.({ first, count, step: p.step, totalSteps: p.totalSteps, loss: p.losses.reduce((a, b) => a + b, 0) / count }));
      models.forEach((model, i) => use(model, results[i], first + i));
    } finally {
      models.forEach((m) => m.dispose());
    }
  }
}
