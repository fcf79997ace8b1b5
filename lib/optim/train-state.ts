/**
 * The saved state of a training loop, enough to continue it bit-identically after a kill:
 * parameters, optimizer slots, steps done, RNG state, losses so far, optional weight averages
 * (an EMA), and the config it was trained with. One safetensors file (tensors + JSON metadata),
 * written atomically, so a reader sees the previous state or the new one, never a torn one.
 */
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import type * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../params/types';
import { assignParams } from '../params/tensors';
import { configHash, differingFields } from '../util/config-diff';
import { ConfigMismatchError, FileFormatError, InputError } from '../util/errors';
import type { RngState } from '../util/rng';
import { JsonReader } from '../zoo/json-reader';
import { readSafetensors, writeSafetensors } from '../zoo/safetensors';
import type { Optimizer, OptimizerState } from './optimizer';

/** Where and how often a training loop saves its state. */
export interface TrainCheckpoint {
  /** The state file: resumed from when present, rewritten every `every` steps and after the last. */
  file: string;
  /** Steps between saves. */
  every: number;
}

export interface LossPoint {
  step: number;
  loss: number;
}

/** Weight averages kept beside the parameters (an EMA) and the number of updates in them. */
export interface AveragesState {
  updates: number;
  values: NamedArray[];
}

export interface TrainState {
  /** Steps done. */
  step: number;
  params: NamedArray[];
  optimizer: OptimizerState;
  rng: RngState;
  /** The losses logged so far. */
  losses: LossPoint[];
  averages: AveragesState | null;
}

/** Bumped when the layout changes in a way older readers would misread. */
const FORMAT_VERSION = 1;
const PARAM = 'param:';
const SLOT = 'slot:';
const AVERAGE = 'average:';

/** True when a save is due after `step` of `total`. */
export function saveDue(checkpoint: TrainCheckpoint | undefined, step: number, total: number): boolean {
  return checkpoint !== undefined && (step % checkpoint.every === 0 || step === total);
}

/** The part of a NumericalError that says where the last good state is. */
export function keptNote(file: string, step: number): string {
  return `the last good state (after step ${step}) is kept in ${file}`;
}

/** Checks a checkpoint option before any work. */
export function checkCheckpointOption(checkpoint: TrainCheckpoint | undefined): void {
  if (checkpoint && !(Number.isInteger(checkpoint.every) && checkpoint.every >= 1)) {
    throw new InputError(`checkpoint.every must be a positive integer, got ${checkpoint.every}`);
  }
}

/** SHA-256 of float data, to tie a state to the data it was trained on. */
export function dataFingerprint(data: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}

/** Writes `state` of `stage`, trained with `config`, atomically to `file`. */
export function saveTrainState(file: string, stage: string, config: Record<string, unknown>, state: TrainState): void {
  const tensors: NamedArray[] = [
    ...state.params.map((a) => ({ ...a, name: PARAM + a.name })),
    ...slotArrays(state.optimizer),
    ...(state.averages?.values ?? []).map((a) => ({ ...a, name: AVERAGE + a.name })),
  ];
  const meta = {
    formatVersion: FORMAT_VERSION, stage, step: state.step, rng: state.rng, losses: state.losses,
    optimizerSteps: state.optimizer.steps, lr: state.optimizer.lr, averagedUpdates: state.averages?.updates ?? null,
  };
  writeSafetensors(file, tensors, { state: JSON.stringify(meta), ...configMetadata(config) });
}

/** Metadata entries that pin a saved state to the config it was made with. */
export function configMetadata(config: Record<string, unknown>): Record<string, string> {
  return { config: JSON.stringify(config), configSha256: configHash(config) };
}

/** Refuses a saved state (its `metadata`) made with another config, naming the differing fields. */
export function checkSavedConfig(file: string, metadata: Record<string, string>, config: Record<string, unknown>): void {
  if (metadata.configSha256 === configHash(config)) return;
  const fields = differingFields(parseJson(file, 'config', metadata.config), config);
  throw new ConfigMismatchError(file, fields.length ? fields : ['(config hash)']);
}

/**
 * The state in `file`, or undefined if there is none. A file of another stage, with another
 * config (a ConfigMismatchError naming the differing fields) or past `totalSteps` is refused.
 */
export function loadTrainState(file: string, stage: string, config: Record<string, unknown>, totalSteps: number): TrainState | undefined {
  if (!fs.existsSync(file)) return undefined;
  const { tensors, metadata } = readSafetensors(file);
  checkSavedConfig(file, metadata, config);
  const meta = JsonReader.parse(file, metadata.state ?? '');
  if (meta.integer('formatVersion') !== FORMAT_VERSION) meta.fail('formatVersion', `is not ${FORMAT_VERSION}`);
  if (meta.string('stage') !== stage) meta.fail('stage', `is "${meta.string('stage')}", expected "${stage}"`);
  const step = meta.integer('step');
  if (step > totalSteps) meta.fail('step', `is ${step}, past the ${totalSteps} steps of this run`);
  const rng = meta.integers('rng');
  if (rng.length !== 4 || rng.some((w) => w > 0xffffffff)) meta.fail('rng', 'is not four 32-bit words');
  const updates = meta.isNull('averagedUpdates') ? null : meta.integer('averagedUpdates');
  return {
    step,
    params: withPrefix(tensors, PARAM),
    optimizer: { steps: meta.integer('optimizerSteps'), lr: meta.number('lr'), slots: slotsFrom(file, tensors) },
    rng: rng as RngState,
    losses: meta.objects('losses').map((l) => ({ step: l.integer('step'), loss: l.number('loss') })),
    averages: updates === null ? null : { updates, values: withPrefix(tensors, AVERAGE) },
  };
}

/** Puts a loaded state's parameters and optimizer slots in place, after checking that they fit. */
export function restoreTrainState(
  file: string, state: Pick<TrainState, 'params' | 'optimizer'>, params: Map<string, tf.Variable>, optimizer: Optimizer,
): void {
  checkArrays(file, 'parameters', state.params, params);
  const perVariable = optimizer.config.kind === 'sgd' ? (optimizer.config.momentum ? 1 : 0) : 2;
  const indices = new Map<string, number[]>();
  for (const s of state.optimizer.slots) {
    const p = params.get(s.name);
    if (!p || !sameShape(p.shape, s.shape) || s.index >= perVariable) {
      throw new FileFormatError(file, `optimizer slot ${s.index} of "${s.name}" does not fit the ${optimizer.config.kind} optimizer of these parameters`);
    }
    indices.set(s.name, [...(indices.get(s.name) ?? []), s.index]);
  }
  for (const [name, got] of indices) {
    if (got.length !== perVariable || new Set(got).size !== perVariable) throw new FileFormatError(file, `optimizer slots of "${name}" are incomplete`);
  }
  const bad = state.optimizer.slots.find((a) => !a.data.every(Number.isFinite));
  if (bad) throw new FileFormatError(file, `optimizer slot ${bad.index} of "${bad.name}" holds NaN or Infinity`);
  assignParams(params, state.params);
  optimizer.setState(state.optimizer);
}

/** Checks that `arrays` name exactly the variables of `vars`, with their shapes, and hold finite values. */
export function checkArrays(file: string, what: string, arrays: NamedArray[], vars: Map<string, tf.Variable>): void {
  const names = new Set(arrays.map((a) => a.name));
  const missing = [...vars.keys()].filter((n) => !names.has(n));
  const extra = [...names].filter((n) => !vars.has(n));
  if (missing.length || extra.length || names.size !== arrays.length) {
    throw new FileFormatError(file, `${what} do not match: missing [${missing.join(', ')}], unknown [${extra.join(', ')}]`);
  }
  for (const a of arrays) {
    if (!sameShape(vars.get(a.name)!.shape, a.shape)) throw new FileFormatError(file, `${what}: "${a.name}" has shape [${a.shape}], expected [${vars.get(a.name)!.shape}]`);
    if (!a.data.every(Number.isFinite)) throw new FileFormatError(file, `${what}: "${a.name}" holds NaN or Infinity`);
  }
}

/** The arrays of `prefix`ed tensors, named without the prefix. */
export function withPrefix(tensors: NamedArray[], prefix: string): NamedArray[] {
  return tensors.filter((t) => t.name.startsWith(prefix)).map((t) => ({ ...t, name: t.name.slice(prefix.length) }));
}

/** Optimizer slots as tensors named `slot:<index>:<variable>`. */
export function slotArrays(optimizer: OptimizerState): NamedArray[] {
  return optimizer.slots.map((s) => ({ name: `${SLOT}${s.index}:${s.name}`, shape: s.shape, data: s.data }));
}

/** The optimizer slots among a file's tensors (inverse of slotArrays). */
export function slotsFrom(file: string, tensors: NamedArray[]): OptimizerState['slots'] {
  return withPrefix(tensors, SLOT).map((t) => {
    const match = /^(\d):(.+)$/.exec(t.name);
    if (!match) throw new FileFormatError(file, `tensor "${SLOT}${t.name}" is not named slot:<index>:<variable>`);
    return { index: Number(match[1]), name: match[2], shape: t.shape, data: t.data };
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function parseJson(file: string, key: string, text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    throw new FileFormatError(file, `metadata "${key}" is missing or not JSON`);
  }
}
