/**
 * The resumable training loop every stage shares (after lucidrains' Trainer1D): restore a saved
 * state, run the steps, read the loss back only at log and save points, check it, report it, and
 * save the whole state (weights, optimizer slots, weight averages, the loop's RNG, the losses)
 * atomically. A stage gives only what is its own: one step (batch, noise, loss) and its log line.
 * Everything a step depends on is in the state, so a resumed run is bit-identical to a straight one.
 */
import type * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../params/types';
import { readParams } from '../params/tensors';
import { FileFormatError } from '../util/errors';
import { Rng, type RngState } from '../util/rng';
import { seconds } from '../util/timing';
import { FiniteGuard } from './finite-guard';
import { Optimizer, type OptimizerConfig } from './optimizer';
import {
  checkArrays, checkCheckpointOption, keptNote, loadTrainState, restoreTrainState, saveDue, saveTrainState,
  type AveragesState, type LossPoint, type TrainCheckpoint, type TrainState,
} from './train-state';

/** What a step and a log line may use. */
export interface LoopContext {
  optimizer: Optimizer;
  /** The loop's generator: fresh from its seed, or where the saved state left it. */
  rng: Rng;
  /** Seconds since the loop began. */
  seconds(): number;
}

/** Checks the probes the steps hand over (see FiniteGuard, the default). */
export interface StepCheck {
  /** Where the last good state is, for the error. */
  kept: string | undefined;
  watch(step: number, probe: tf.Tensor): void;
  /** Checks at a log or save point; returns the loss of `step`. */
  check(vars: Map<string, tf.Variable>, step: number): number;
  dispose(): void;
}

/** Weight averages (an EMA): updated after every step, saved and restored with the state. */
export interface WeightAverages {
  update(params: Map<string, tf.Variable>): void;
  getState(): AveragesState;
  setState(state: AveragesState): void;
}

/** Loss points that carry more than the loss, kept in a saved state as one array beside the parameters. */
export interface LossTerms<P extends LossPoint> {
  /** The point of a log step, from its checked loss (a stage may read more back here). */
  point(step: number, loss: number): P;
  /** Name of the array (among the saved parameters). */
  name: string;
  toArray(points: P[]): NamedArray;
  /** The points of a saved state from its losses and the array (undefined if it has none). */
  fromArray(file: string, losses: LossPoint[], array: NamedArray | undefined): P[];
}

export interface TrainingLoop<P extends LossPoint = LossPoint> {
  /** Names the stage in errors and saved states. */
  stage: string;
  /** Steps in all; a resumed run does those after the saved one. The stage checks it and logEvery (its messages name its config). */
  steps: number;
  /** Log (read back, check, report) at step 1, every logEvery-th step and the last… */
  logEvery: number;
  /** …unless the stage says which steps log. */
  logAt?: (step: number) => boolean;
  /** Where the state is resumed from and saved to; none: nothing is saved. */
  checkpoint?: TrainCheckpoint;
  /** What a saved state must have been trained with (config, model, data fingerprints); needed with a checkpoint. */
  identity?: Record<string, unknown>;
  /** The variables the optimizer trains. */
  params: Map<string, tf.Variable>;
  /** The variables a state holds and a check looks at; default `params` (the task model adds its BN buffers). */
  state?: Map<string, tf.Variable>;
  optimizer: OptimizerConfig;
  /** Averages of `params`; null: none, and a saved state must have none; absent: a saved state's are ignored. */
  ema?: WeightAverages | null;
  /** The seed of the loop's generator, or a generator the caller already draws from (then no checkpoint: it could not be restored). */
  rng: number | Rng;
  /** The generator state saved after `step`; default the generator's (the task model saves its epoch's start). */
  rngState?: (step: number, rng: Rng) => RngState;
  /** Richer loss points than { step, loss } (the VAE's terms). */
  terms?: LossTerms<P>;
  /** What checks the probes; default a FiniteGuard of the stage. The loop disposes it. */
  check?: StepCheck;
  /** One optimizer step; returns its probe for the check: the loss, [loss] or minimizeChecked's [loss, gradient check]. */
  step(step: number, ctx: LoopContext): tf.Tensor;
  /** Reports a log step (after its save, if one was due). */
  onLog?(point: P, ctx: LoopContext): void;
}

/** What a stage reports at a log step. */
export interface StepProgress {
  step: number;
  totalSteps: number;
  /** The loss of the step (before its update). */
  loss: number;
  elapsedSeconds: number;
}

/** What a training function returns: the loss at every log point (of the whole run, also when it was resumed) and the wall seconds. */
export interface TrainRunResult<P extends LossPoint = LossPoint> {
  losses: P[];
  seconds: number;
}

export interface LoopResult<P extends LossPoint> {
  /** The points of every log step, of the whole run also when it was resumed. */
  losses: P[];
  /** The last step done (0: none). */
  steps: number;
  seconds: number;
}

/**
 * Runs `loop`: with a checkpoint, resumes from its state if there is one (a finished one is only
 * loaded) and saves every `checkpoint.every` steps and after the last, always after a check, so
 * a saved state is a finite one. The optimizer and the check are disposed at the end.
 */
export function runTrainingLoop<P extends LossPoint = LossPoint>(loop: TrainingLoop<P>): LoopResult<P> {
  const { stage, steps, checkpoint, terms } = loop;
  checkCheckpointOption(checkpoint);
  if (checkpoint && (loop.rng instanceof Rng || !loop.identity)) throw new Error(`${stage}: a checkpoint needs a seed and an identity`);
  const state = loop.state ?? loop.params;
  const optimizer = new Optimizer(loop.optimizer);
  const check = loop.check ?? new FiniteGuard(stage);
  const started = performance.now();
  try {
    const saved = checkpoint && loadTrainState(checkpoint.file, stage, loop.identity!, steps);
    const losses = saved ? restore(loop, checkpoint.file, saved, state, optimizer) : [];
    if (saved) check.kept = keptNote(checkpoint.file, saved.step);
    const rng = loop.rng instanceof Rng ? loop.rng : saved ? Rng.fromState(saved.rng) : new Rng(loop.rng);
    const ctx: LoopContext = { optimizer, rng, seconds: () => seconds(started) };
    const logAt = loop.logAt ?? ((s: number) => s === 1 || s % loop.logEvery === 0 || s === steps);
    // A { step, loss } point is a P when the stage has no terms.
    const point = terms ? terms.point : (step: number, loss: number) => ({ step, loss }) as P;
    let step = saved?.step ?? 0;
    while (step < steps) {
      step++;
      check.watch(step, loop.step(step, ctx));
      loop.ema?.update(loop.params);
      const log = logAt(step);
      const save = saveDue(checkpoint, step, steps);
      if (!log && !save) continue;
      const loss = check.check(state, step);
      if (log) losses.push(point(step, loss));
      if (checkpoint && save) {
        saveTrainState(checkpoint.file, stage, loop.identity!, {
          step, params: [...readParams(state, [...state.keys()]), ...(terms ? [terms.toArray(losses)] : [])],
          optimizer: optimizer.getState(), rng: loop.rngState?.(step, rng) ?? rng.getState(),
          losses: losses.map((l) => ({ step: l.step, loss: l.loss })), averages: loop.ema?.getState() ?? null,
        });
        check.kept = keptNote(checkpoint.file, step);
      }
      if (log) loop.onLog?.(losses[losses.length - 1], ctx);
    }
    return { losses, steps: step, seconds: ctx.seconds() };
  } finally {
    optimizer.dispose();
    check.dispose();
  }
}

/** Puts a saved state in place (after checking that it fits); returns its loss points. */
function restore<P extends LossPoint>(
  loop: TrainingLoop<P>, file: string, saved: TrainState, state: Map<string, tf.Variable>, optimizer: Optimizer,
): P[] {
  const { terms, ema } = loop;
  const losses = terms ? terms.fromArray(file, saved.losses, saved.params.find((a) => a.name === terms.name)) : (saved.losses as P[]);
  const params = terms ? saved.params.filter((a) => a.name !== terms.name) : saved.params;
  restoreTrainState(file, { ...saved, params }, state, optimizer);
  if (ema === undefined) return losses;
  if ((saved.averages === null) !== (ema === null)) throw new FileFormatError(file, 'EMA averages do not match the config');
  if (ema && saved.averages) {
    checkArrays(file, 'EMA averages', saved.averages.values, loop.params);
    ema.setState(saved.averages);
  }
  return losses;
}
