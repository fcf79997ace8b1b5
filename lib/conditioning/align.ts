/**
 * Contrastive alignment of a dataset encoder to frozen VAE latents (D2NWG): the condition vector
 * concat(class_k, dataset) of each (task, class) row and the latent of that row's weights are
 * projected and pulled together by the CLIP loss over minibatches of tasks; the encoder and both
 * projection heads train with the configured optimizer, the latents stay fixed. Losses are read
 * back (and checked, with the gradients and weights) at log points only.
 */
import * as tf from '@tensorflow/tfjs';
import type { LatentSet } from '../diffusion/types';
import { runTrainingLoop, type StepProgress } from '../optim/loop';
import { minimizeChecked } from '../optim/minimize';
import type { LossPoint } from '../optim/train-state';
import { InputError } from '../util/errors';
import { assertFinite } from '../util/finite';
import { Rng } from '../util/rng';
import { checkCondition } from './condition';
import { checkAlignConfig, defaultAlignConfig, type AlignConfig } from './config';
import { AlignmentHeads, clipLoss, diagonalAccuracy } from './contrastive';
import { softClipLoss } from './soft-clip';
import { conditionVector } from './encoder';
import type { Condition, DatasetEncoder } from './types';
import { seconds } from '../util/timing';

/** Tasks' conditions and the frozen latents of their head rows. */
export interface AlignmentPairs {
  /** [N_tasks, C, S, F]. */
  conditions: Condition;
  /** One latent per (task, class) row, task-major: count = N_tasks·C, dim Dz. */
  latents: LatentSet;
}

/** The loss is the CLIP loss of the step's minibatch. */
export type AlignProgress = StepProgress;

/** Diagonal accuracy over all rows of a set at once (chance: 1 / rows). */
export interface AlignAccuracy {
  train: number;
  /** null without held-out pairs. */
  heldOut: number | null;
}

export interface AlignResult {
  /** The losses read back at the log points. */
  losses: LossPoint[];
  seconds: number;
  /** τ after the last step (the configured one when fixed). */
  temperature: number;
  /** Before step 1 (fresh projections) and after the last step. */
  accuracy: { initial: AlignAccuracy; final: AlignAccuracy };
  /** 1 / rows of each set: the accuracy of a random match. */
  chance: AlignAccuracy;
}

/** Names the stage in errors. */
const STAGE = 'encoder alignment';

/** Pairs as tensors: conditions [N, C, S, F], latents [N·C, Dz]; checked. */
function pairTensors(pairs: AlignmentPairs, features: number, what: string) {
  const { conditions: c, latents: z } = pairs;
  checkCondition(c, features);
  if (z.count !== c.tasks * c.classes) {
    throw new InputError(`${what}: ${c.tasks} tasks × ${c.classes} classes need ${c.tasks * c.classes} latents, got ${z.count}`);
  }
  if (!(Number.isInteger(z.dim) && z.dim > 0) || z.data.length !== z.count * z.dim) {
    throw new InputError(`${what}: latent set says ${z.count} × ${z.dim} but holds ${z.data.length} numbers`);
  }
  assertFinite(z.data, z.dim, `${what} latents`);
  return {
    conditions: tf.tensor4d(c.data, [c.tasks, c.classes, c.shots, c.features]),
    latents: tf.tensor2d(z.data, [z.count, z.dim]),
  };
}

type Pairs = ReturnType<typeof pairTensors>;

/** Projected condition rows and latents of the tasks `tasks`: both [tasks·C, P]. */
function project(encoder: DatasetEncoder, heads: AlignmentHeads, pairs: Pairs, tasks: Int32Array) {
  return tf.tidy(() => {
    const C = pairs.conditions.shape[1];
    const rows = Int32Array.from({ length: tasks.length * C }, (_, i) => tasks[Math.floor(i / C)] * C + (i % C));
    const condition = tf.gather(pairs.conditions, tf.tensor1d(tasks, 'int32')) as tf.Tensor4D; // [B, C, S, F]
    const vectors = conditionVector(encoder.forward(condition)); // [B, C, 2H]
    return {
      a: heads.projectConditions(vectors.reshape([rows.length, -1])), // [B·C, P]
      b: heads.projectLatents(tf.gather(pairs.latents, tf.tensor1d(rows, 'int32'))), // [B·C, P]
    };
  });
}

/** Diagonal accuracy over every row of `pairs`, embedded `chunk` tasks at a time. */
function accuracyOf(encoder: DatasetEncoder, heads: AlignmentHeads, pairs: Pairs, chunk: number): number {
  const T = pairs.conditions.shape[0];
  const parts: { a: tf.Tensor2D; b: tf.Tensor2D }[] = [];
  try {
    for (let from = 0; from < T; from += chunk) {
      parts.push(project(encoder, heads, pairs, Int32Array.from({ length: Math.min(chunk, T - from) }, (_, i) => from + i)));
    }
    return tf.tidy(() => diagonalAccuracy(tf.concat(parts.map((p) => p.a)), tf.concat(parts.map((p) => p.b))));
  } finally {
    tf.dispose(parts.map((p) => [p.a, p.b]));
  }
}

/** Minibatches of tasks: a fresh seeded shuffle each epoch, the remainder of an epoch dropped. */
function taskBatches(tasks: number, batchTasks: number, rng: Rng): () => Int32Array {
  const size = Math.min(batchTasks, tasks);
  let order = rng.permutation(tasks);
  let at = 0;
  return () => {
    if (at + size > tasks) {
      order = rng.permutation(tasks);
      at = 0;
    }
    at += size;
    return order.slice(at - size, at);
  };
}

/**
 * Trains `encoder` in place so that its condition vectors match the latents of `pairs` (CLIP loss),
 * and reports the diagonal accuracy on `pairs` and on `heldOut` (never trained on) before and
 * after. NaN or Infinity in the loss, a gradient or a weight stops it with a NumericalError.
 */
export function alignEncoder(
  encoder: DatasetEncoder, pairs: AlignmentPairs, config: AlignConfig = defaultAlignConfig,
  onProgress?: (p: AlignProgress) => void, heldOut?: AlignmentPairs,
): AlignResult {
  checkAlignConfig(config);
  const { classes } = pairs.conditions;
  if (pairs.conditions.tasks * classes < 2) throw new InputError('alignment needs at least 2 (task, class) rows to contrast');
  if (heldOut && (heldOut.conditions.classes !== classes || heldOut.latents.dim !== pairs.latents.dim)) {
    throw new InputError(`held-out pairs have ${heldOut.conditions.classes} classes and ${heldOut.latents.dim}-d latents, ` +
      `the training pairs ${classes} and ${pairs.latents.dim}`);
  }
  const started = performance.now();
  const rng = new Rng(config.seed);
  const heads = new AlignmentHeads(2 * encoder.embedSize, pairs.latents.dim, config, rng.seed());
  const owned: tf.Tensor[] = [];
  try {
    const train = pairTensors(pairs, encoder.features, 'alignment pairs');
    owned.push(train.conditions, train.latents);
    const held = heldOut ? pairTensors(heldOut, encoder.features, 'held-out pairs') : null;
    if (held) owned.push(held.conditions, held.latents);
    const vars = new Map(encoder.params);
    for (const [name, v] of heads.params) {
      if (vars.has(name)) throw new InputError(`encoder parameter ${name} clashes with the alignment heads' names`);
      vars.set(name, v);
    }
    const measure = (): AlignAccuracy => ({
      train: accuracyOf(encoder, heads, train, config.batchTasks),
      heldOut: held ? accuracyOf(encoder, heads, held, config.batchTasks) : null,
    });
    const initial = measure();
    const nextBatch = taskBatches(pairs.conditions.tasks, config.batchTasks, rng);
    const { losses } = runTrainingLoop({
      stage: STAGE, steps: config.steps, logEvery: config.logEvery, params: vars, optimizer: config.optimizer, rng,
      step: (_, { optimizer }) => {
        const tasks = nextBatch();
        return minimizeChecked(vars, optimizer, () => {
          const { a, b } = project(encoder, heads, train, tasks);
          return config.targets === 'soft' ? softClipLoss(a, b, heads.logitScale()) : clipLoss(a, b, heads.logitScale());
        });
      },
      onLog: ({ step, loss }) => onProgress?.({ step, totalSteps: config.steps, loss, elapsedSeconds: seconds(started) }),
    });
    return {
      losses,
      seconds: seconds(started),
      temperature: heads.temperature(),
      accuracy: { initial, final: measure() },
      chance: { train: 1 / pairs.latents.count, heldOut: heldOut ? 1 / heldOut.latents.count : null },
    };
  } finally {
    heads.dispose();
    tf.dispose(owned);
  }
}
