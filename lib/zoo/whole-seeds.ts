/**
 * A zoo of whole networks: N independently trained runs of one architecture (DeepWeightFlow's 100
 * seeds). Member i is `createModel(spec, seed_i)` trained by `trainModel` with seed_i = seed + i
 * (initialisation and shuffles), or `modelsAtOnce` members together (lib/models/train-together:
 * the same members within its tolerance), then measured on val and test. Stored in two zoo directories:
 *   <dir>/params   every parameter ([N, D], subset ['**']), each member's seed, steps, accuracies
 *   <dir>/buffers  the BN running statistics ([N, B]) of the same members, only when B > 0
 * Resumable: both are saved after every member (buffers first, so params never has a member
 * buffers lacks) and a re-run continues after the last member in params (with any modelsAtOnce).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSplits } from '../data/dataset';
import { evaluateModel } from '../models/evaluate';
import { modelName, type BuiltinModelSpec } from '../models/registry';
import { defaultTrainConfig, type TrainConfig } from '../models/train';
import { checkModelsAtOnce, trainSeedModels } from '../models/train-seeds';
import { dataFingerprint } from '../optim/train-state';
import { flatten, stackVectors } from '../params/flatten';
import { readNetwork } from '../params/network';
import { firstRows, rowsOf } from '../params/rows';
import type { ParamManifest, VectorSet } from '../params/types';
import { configHash } from '../util/config-diff';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { loadZoo, MANIFEST_FILE, saveZoo } from './zoo';

export interface WholeSeedsConfig {
  /** N, the independently trained networks. */
  members: number;
  /** Member i initialises and shuffles with seed + i. */
  seed: number;
  /** Every member's training; its `seed` is replaced by the member's. */
  train: TrainConfig;
  /** Members trained together, each op once for all (1: one after another, each by `trainModel`). */
  modelsAtOnce: number;
}

/** 100 members of 2 epochs, SGD 0.05 (momentum 0.9), constant rate, one at a time. */
export const defaultWholeSeedsConfig: WholeSeedsConfig = {
  members: 100, seed: 1000, train: { ...defaultTrainConfig, epochs: 2, schedule: { kind: 'constant' } }, modelsAtOnce: 1,
};

/** The zoo's two directories inside its own. */
export const WHOLE_PARAMS_DIR = 'params';
export const WHOLE_BUFFERS_DIR = 'buffers';

export interface WholeMember {
  seed: number;
  steps: number;
  /** Accuracy in [0, 1]. */
  val: number;
  test: number;
}

export interface WholeZoo {
  /** The model's name (as zoos record it). */
  model: string;
  /** Layout of a parameter row. */
  manifest: ParamManifest;
  /** [N, D] every parameter of each member, in the model's order. */
  params: VectorSet;
  /** Layout of a buffer row; null for a network without buffers (an MLP). */
  bufferManifest: ParamManifest | null;
  /** [N, B] each member's buffers; null when there are none. */
  buffers: VectorSet | null;
  members: WholeMember[];
}

/** Trains the members not saved in `dir` yet, then returns the whole zoo. */
export function collectWholeSeeds(
  spec: BuiltinModelSpec, data: DataSplits, config: WholeSeedsConfig, dir: string, onProgress?: ProgressFn,
): WholeZoo {
  if (!(Number.isInteger(config.members) && config.members >= 1)) throw new InputError(`a whole-network zoo needs at least 1 member, got ${config.members}`);
  checkModelsAtOnce(config.modelsAtOnce, 'zoo.modelsAtOnce');
  // A zoo is tied to its training images too: runs that share it must share the data split. How
  // many members train at once is not part of it: it gives the same members (within float order).
  const identity = { recipe: 'whole-seeds', model: spec, config: { ...config, modelsAtOnce: undefined }, trainImages: dataFingerprint(data.train.images) };
  const saved = fs.existsSync(path.join(dir, WHOLE_PARAMS_DIR, MANIFEST_FILE)) ? loadWholeSeeds(dir, identity) : undefined;
  if (saved && saved.members.length > config.members) throw new InputError(`${dir} holds ${saved.members.length} members, more than the ${config.members} asked for`);
  const params: Float32Array[] = saved ? rowsOf(saved.params).map((r) => r.slice()) : [];
  const buffers: Float32Array[] = saved?.buffers ? rowsOf(saved.buffers).map((r) => r.slice()) : [];
  const members = saved ? [...saved.members] : [];
  let layout = saved ? { manifest: saved.manifest, bufferManifest: saved.bufferManifest } : undefined;
  const seeds = Array.from({ length: config.members - members.length }, (_, i) => config.seed + members.length + i);
  trainSeedModels(spec, data.train, config.train, seeds, config.modelsAtOnce, (model, { steps }, i) => {
    const network = readNetwork(model);
    const p = flatten(network.params);
    const b = network.buffers.length ? flatten(network.buffers) : null;
    layout ??= { manifest: p.manifest, bufferManifest: b?.manifest ?? null };
    params.push(p.vector);
    if (b) buffers.push(b.vector);
    members.push({ seed: seeds[i], steps, val: evaluateModel(model, data.val).accuracy, test: evaluateModel(model, data.test).accuracy });
    const zoo: WholeZoo = {
      model: modelName(spec), ...layout, params: stackVectors(params), buffers: buffers.length ? stackVectors(buffers) : null, members,
    };
    saveWholeSeeds(dir, zoo, identity);
    onProgress?.('zoo', members.length, config.members, { test: members[members.length - 1].test });
  });
  if (!layout) throw new InputError(`${dir}: no members`);
  return { model: modelName(spec), ...layout, params: stackVectors(params), buffers: buffers.length ? stackVectors(buffers) : null, members };
}

/** Writes both directories (buffers first). */
export function saveWholeSeeds(dir: string, zoo: WholeZoo, identity: Record<string, unknown>): void {
  const created = new Date().toISOString();
  const checkpoints = zoo.members.map((m) => ({ seed: m.seed, step: m.steps, valAccuracy: m.val, testAccuracy: m.test }));
  const config = { identitySha256: configHash(identity), recipe: identity };
  if (zoo.buffers && zoo.bufferManifest) {
    saveZoo(path.join(dir, WHOLE_BUFFERS_DIR), {
      model: zoo.model, subset: ['buffers'], paramManifest: zoo.bufferManifest, params: zoo.buffers, checkpoints, norm: null, config, created,
    });
  }
  saveZoo(path.join(dir, WHOLE_PARAMS_DIR), {
    model: zoo.model, subset: ['**'], paramManifest: zoo.manifest, params: zoo.params, checkpoints, norm: null, config, created,
  });
}

/** Reads a whole-network zoo; with `identity`, one collected by another recipe or config is refused. */
export function loadWholeSeeds(dir: string, identity?: Record<string, unknown>): WholeZoo {
  const params = loadZoo(path.join(dir, WHOLE_PARAMS_DIR));
  const hash = (params.config as { identitySha256?: string }).identitySha256;
  if (identity && hash !== configHash(identity)) {
    throw new InputError(`${dir} holds a zoo of another model or recipe; collect into another directory (or delete it)`);
  }
  const bufferDir = path.join(dir, WHOLE_BUFFERS_DIR);
  const buffers = fs.existsSync(path.join(bufferDir, MANIFEST_FILE)) ? loadZoo(bufferDir) : undefined;
  const n = params.params.count;
  if (buffers && buffers.params.count < n) throw new InputError(`${bufferDir} holds ${buffers.params.count} members' buffers, ${WHOLE_PARAMS_DIR} ${n} members`);
  const members = params.checkpoints.map((c) => ({ seed: c.seed, steps: c.step, val: c.valAccuracy ?? Number.NaN, test: c.testAccuracy ?? Number.NaN }));
  return {
    model: params.model,
    manifest: params.paramManifest,
    params: params.params,
    bufferManifest: buffers?.paramManifest ?? null,
    buffers: buffers ? firstRows(buffers.params, n) : null,
    members,
  };
}
