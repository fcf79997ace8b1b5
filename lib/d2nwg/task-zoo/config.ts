/**
 * The D2NWG task zoo's config: the task plan, the per-class caps on the data, the frozen feature
 * extractor's training, and the heads. Presets: `smoke` (seconds, CI), `quick` (about 2 minutes
 * on wasm, leaving room for the rest of a ~10-minute D2NWG run), `standard` (≤ ~15 minutes on wasm).
 */
import { defaultTrainConfig, type TrainConfig } from '../../models/train';
import { InputError } from '../../util/errors';
import { checkHeadTrainConfig, defaultHeadTrainConfig, type HeadTrainConfig } from '../heads';
import { checkTaskPlanConfig, defaultTaskPlanConfig, type TaskPlanConfig } from './tasks';

export interface TaskDataConfig {
  /**
   * Seeds the data: the random train / val / test split of the 10,000 embedded MNIST digits
   * (7,000 / 1,000 / 2,000) and which images each per-class cap keeps (Fashion-MNIST keeps the
   * benchmark's split).
   */
  seed: number;
  /** Training images kept per class and source (null: all), drawn at random with `seed`. */
  trainPerClass: number | null;
  /** Val images kept per class and source (null: all), likewise. */
  valPerClass: number | null;
  /** Test images kept per class and source (null: all), likewise. */
  testPerClass: number | null;
}

export interface ExtractorConfig {
  /**
   * Images per class of the base set (the identity variant of every source's training split, one
   * class per seen source class), drawn with data.seed; null: every training image.
   */
  perClass: number | null;
  /** ConvNet-S training on the base set (its seed is replaced by `seed`). */
  train: TrainConfig;
  /** Seeds the extractor's init and shuffles. */
  seed: number;
}

export interface TaskZooConfig {
  preset: string;
  plan: TaskPlanConfig;
  data: TaskDataConfig;
  extractor: ExtractorConfig;
  heads: HeadTrainConfig;
  /** Seeds head training; task i of the plan uses seed + i. */
  seed: number;
}

/**
 * The extractor's training: Adam 2e-3 with cosine decay to 5 % over the run. In these short
 * budgets it beats pdiff-small's SGD recipe (measured on wasm: 20-class val accuracy 0.77 vs 0.55
 * for the same compute).
 */
function extractorTraining(epochs: number, batchSize: number): TrainConfig {
  return {
    ...defaultTrainConfig, epochs, batchSize,
    optimizer: { kind: 'adam', lr: 2e-3, weightDecay: 0, betas: [0.9, 0.999], eps: 1e-8 },
    schedule: { kind: 'cosine', epochs, minFactor: 0.05 },
  };
}

const smoke: TaskZooConfig = {
  preset: 'smoke',
  plan: { ...defaultTaskPlanConfig, trainTasksPerVariant: 1, heldOutCombos: 1, seenCombosInHeldOutVariants: 1, unseenClassTasks: 1 },
  data: { seed: 0, trainPerClass: 20, valPerClass: 10, testPerClass: 10 },
  extractor: { perClass: 20, train: extractorTraining(1, 50), seed: 0 },
  heads: { ...defaultHeadTrainConfig, epochs: 4, headsPerTask: 2 },
  seed: 0,
};

const quick: TaskZooConfig = {
  preset: 'quick',
  plan: { ...defaultTaskPlanConfig, trainTasksPerVariant: 5 },
  data: { seed: 0, trainPerClass: 100, valPerClass: 50, testPerClass: 100 },
  extractor: { perClass: 600, train: extractorTraining(1, 32), seed: 0 },
  heads: defaultHeadTrainConfig,
  seed: 0,
};

const standard: TaskZooConfig = {
  preset: 'standard',
  plan: { ...defaultTaskPlanConfig, trainTasksPerVariant: 25, heldOutCombos: 3, seenCombosInHeldOutVariants: 3 },
  data: { seed: 0, trainPerClass: 300, valPerClass: 200, testPerClass: 500 },
  extractor: { perClass: 2000, train: extractorTraining(2, 64), seed: 0 },
  heads: defaultHeadTrainConfig,
  seed: 0,
};

export const taskZooPresets: Record<'smoke' | 'quick' | 'standard', TaskZooConfig> = { smoke, quick, standard };

export function taskZooPreset(name: string): TaskZooConfig {
  if (!(name in taskZooPresets)) throw new InputError(`unknown task zoo preset "${name}"; expected one of ${Object.keys(taskZooPresets).join(', ')}`);
  return structuredClone(taskZooPresets[name as keyof typeof taskZooPresets]);
}

/** Rejects a config that cannot run, before any work. */
export function checkTaskZooConfig(config: TaskZooConfig): void {
  checkTaskPlanConfig(config.plan);
  checkHeadTrainConfig(config.heads);
  const caps = {
    'data.trainPerClass': config.data.trainPerClass, 'data.valPerClass': config.data.valPerClass,
    'data.testPerClass': config.data.testPerClass, 'extractor.perClass': config.extractor.perClass,
  };
  for (const [field, cap] of Object.entries(caps)) {
    if (cap !== null && !(Number.isInteger(cap) && cap >= 1)) throw new InputError(`${field} must be a positive integer or null, got ${cap}`);
  }
  for (const [field, seed] of Object.entries({ seed: config.seed, 'extractor.seed': config.extractor.seed, 'data.seed': config.data.seed })) {
    if (!Number.isInteger(seed) || seed < 0) throw new InputError(`${field} must be an integer ≥ 0, got ${seed}`);
  }
}
