/**
 * The fine-tuning state that lets a killed collection continue where its last save left it:
 * one safetensors file with the subset's current values and the optimizer slots, and the step
 * and snapshot count in its metadata. Written after the zoo, atomically.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OptimizerState } from '../optim/optimizer';
import type { NamedArray } from '../params/types';
import { FileFormatError } from '../util/errors';
import { readSafetensors, writeSafetensors } from '../zoo/safetensors';

export const COLLECT_STATE_FILE = 'collect-state.safetensors';

export interface CollectState {
  /** Fine-tuning steps done. */
  step: number;
  /** Snapshots in the zoo when this state was written. */
  snapshots: number;
  optimizer: OptimizerState;
  /** Current values of the subset's parameters. */
  subset: NamedArray[];
}

const SUBSET_PREFIX = 'subset:';
const SLOT_PREFIX = 'slot:';

export function saveCollectState(zooDir: string, state: CollectState): void {
  const tensors: NamedArray[] = [
    ...state.subset.map((a) => ({ ...a, name: SUBSET_PREFIX + a.name })),
    ...state.optimizer.slots.map((s) => ({ name: `${SLOT_PREFIX}${s.index}:${s.name}`, shape: s.shape, data: s.data })),
  ];
  const meta = { step: state.step, snapshots: state.snapshots, optimizerSteps: state.optimizer.steps, lr: state.optimizer.lr };
  writeSafetensors(path.join(zooDir, COLLECT_STATE_FILE), tensors, { state: JSON.stringify(meta) });
}

export function loadCollectState(zooDir: string): CollectState | undefined {
  const file = path.join(zooDir, COLLECT_STATE_FILE);
  if (!fs.existsSync(file)) return undefined;
  const { tensors, metadata } = readSafetensors(file);
  let meta: { step: number; snapshots: number; optimizerSteps: number; lr: number };
  try {
    meta = JSON.parse(metadata.state ?? '');
  } catch {
    throw new FileFormatError(file, 'metadata "state" is missing or not JSON');
  }
  for (const key of ['step', 'snapshots', 'optimizerSteps', 'lr'] as const) {
    if (typeof meta[key] !== 'number' || !Number.isFinite(meta[key])) throw new FileFormatError(file, `metadata state.${key} is not a number`);
  }
  const subset = tensors.filter((t) => t.name.startsWith(SUBSET_PREFIX)).map((t) => ({ ...t, name: t.name.slice(SUBSET_PREFIX.length) }));
  const slots = tensors.filter((t) => t.name.startsWith(SLOT_PREFIX)).map((t) => {
    const rest = t.name.slice(SLOT_PREFIX.length);
    const colon = rest.indexOf(':');
    return { name: rest.slice(colon + 1), index: Number(rest.slice(0, colon)), shape: t.shape, data: t.data };
  });
  return { step: meta.step, snapshots: meta.snapshots, subset, optimizer: { steps: meta.optimizerSteps, lr: meta.lr, slots } };
}
