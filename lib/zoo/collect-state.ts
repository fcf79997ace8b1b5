/**
 * The state that lets a killed collection continue where its last save left it, in one
 * safetensors file written atomically: the snapshots taken so far, the subset's current values,
 * the optimizer slots, the step, and the config. Written before the zoo, which is only a view of
 * it: a kill between the two (or between the zoo's two files) loses nothing, the zoo is rewritten.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OptimizerState } from '../optim/optimizer';
import { checkSavedConfig, configMetadata, slotArrays, slotsFrom, withPrefix } from '../optim/train-state';
import { describeIncompatibility } from '../params/flatten';
import type { NamedArray, ParamManifest, VectorSet } from '../params/types';
import { FileFormatError, InputError } from '../util/errors';
import { JsonReader } from './json-reader';
import { readSafetensors, writeSafetensors } from './safetensors';

export const COLLECT_STATE_FILE = 'collect-state.safetensors';

export interface CollectState {
  /** Fine-tuning steps done. */
  step: number;
  /** [k, D]: the snapshots taken so far. */
  snapshots: VectorSet;
  optimizer: OptimizerState;
  /** Current values of the subset's parameters. */
  subset: NamedArray[];
}

/** Bumped when the layout changes; version 1 kept the snapshots only in the zoo. */
const FORMAT_VERSION = 2;
const SUBSET = 'subset:';
const SNAPSHOTS = 'snapshots';

export function saveCollectState(zooDir: string, config: Record<string, unknown>, state: CollectState): void {
  const { count, dim, data } = state.snapshots;
  const tensors: NamedArray[] = [
    { name: SNAPSHOTS, shape: [count, dim], data },
    ...state.subset.map((a) => ({ ...a, name: SUBSET + a.name })),
    ...slotArrays(state.optimizer),
  ];
  const meta = { formatVersion: FORMAT_VERSION, step: state.step, optimizerSteps: state.optimizer.steps, lr: state.optimizer.lr };
  writeSafetensors(path.join(zooDir, COLLECT_STATE_FILE), tensors, { state: JSON.stringify(meta), ...configMetadata(config) });
}

/**
 * The state in `zooDir`, or undefined if there is none. Refused before any training: a state of
 * another subset layout (InputError naming the first differing layer), of another config
 * (ConfigMismatchError naming the fields), or inconsistent in itself (FileFormatError).
 */
export function loadCollectState(zooDir: string, config: Record<string, unknown>, manifest: ParamManifest): CollectState | undefined {
  const file = path.join(zooDir, COLLECT_STATE_FILE);
  if (!fs.existsSync(file)) return undefined;
  const { tensors, metadata } = readSafetensors(file);
  if (metadata.config === undefined) {
    throw new FileFormatError(file, `was written by an older version of paramdiff; delete ${zooDir} to collect again`);
  }
  const meta = JsonReader.parse(file, metadata.state ?? '');
  if (meta.integer('formatVersion') !== FORMAT_VERSION) {
    meta.fail('formatVersion', `is not ${FORMAT_VERSION}`);
  }
  // The file lays tensors out by name; compare in the model's order.
  const rank = new Map(manifest.entries.map((e, i) => [e.name, i]));
  const subset = withPrefix(tensors, SUBSET);
  const extra = subset.filter((a) => !rank.has(a.name)).map((a) => a.name);
  const problem = extra.length
    ? `it holds ${extra.join(', ')}, which this run's subset lacks`
    : describeIncompatibility(manifest, subset.sort((a, b) => rank.get(a.name)! - rank.get(b.name)!));
  if (problem !== null) throw new InputError(`${file} does not fit the model: ${problem}`);
  checkSavedConfig(file, metadata, config);
  const rows = tensors.find((t) => t.name === SNAPSHOTS);
  if (!rows || rows.shape.length !== 2 || rows.shape[1] !== manifest.size) {
    throw new FileFormatError(file, `needs a "${SNAPSHOTS}" tensor [k, ${manifest.size}]`);
  }
  if (!rows.data.every(Number.isFinite)) throw new FileFormatError(file, 'snapshots hold NaN or Infinity');
  return {
    step: meta.integer('step'),
    snapshots: { count: rows.shape[0], dim: rows.shape[1], data: rows.data },
    optimizer: { steps: meta.integer('optimizerSteps'), lr: meta.number('lr'), slots: slotsFrom(file, tensors) },
    subset,
  };
}
