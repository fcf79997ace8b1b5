/**
 * The D2NWG task zoo on disk, beside the extractor and the feature cache:
 *   heads.safetensors  one float32 tensor `heads` [K, F·k + k]: every training task's heads, task by task
 *   tasks.json         the manifest: config, extractor, head layout, the task plan, and per finished
 *                      training task its rows, seeds, steps and each head's val / test accuracy
 * Both are written atomically after every task, heads first; the manifest holds the SHA-256 of
 * the first K rows, so it never vouches for rows it does not describe. A kill between the two
 * writes leaves one task's rows beyond K, which a resuming build drops (and retrains).
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { parseTaskId, SOURCE_CLASSES, TASK_SOURCES, taskId, type TaskSource, type TaskSpec } from '../../data/tasks';
import { checkManifest } from '../../params/flatten';
import type { ParamManifest, VectorSet } from '../../params/types';
import { writeFileAtomic } from '../../util/atomic-write';
import { FileFormatError, InputError } from '../../util/errors';
import { readFileBytes } from '../../util/read-file';
import { JsonReader } from '../../zoo/json-reader';
import { readSafetensors, writeSafetensors } from '../../zoo/safetensors';
import type { ExtractorInfo } from './extractor';
import { TASK_NOVELTIES, type TaskNovelty } from './tasks';

/** 2: held-out kinds renamed (unseen classes are their own kind) and the unseen classes recorded. */
export const TASK_ZOO_FORMAT_VERSION = 2;
export const HEADS_FILE = 'heads.safetensors';
export const TASKS_FILE = 'tasks.json';
export const HEADS_TENSOR = 'heads';

/** A finished training task: its heads are rows [firstHead, firstHead + headCount). */
export interface ZooTask {
  id: string;
  spec: TaskSpec;
  firstHead: number;
  headCount: number;
  /** Run seed of each head. */
  seeds: number[];
  /** Optimizer steps of each head. */
  steps: number[];
  /** Each head's accuracy in [0, 1] on the task's val features (for selection). */
  valAccuracy: number[];
  /** Each head's accuracy in [0, 1] on the task's test features (only reported). */
  testAccuracy: number[];
  /** Training rows the heads were fitted on. */
  trainSize: number;
}

export interface TaskZooManifest {
  config: Record<string, unknown>;
  extractor: ExtractorInfo;
  /** Layout of a head row: `fc/weight` [F, k], then `fc/bias` [k]. */
  headManifest: ParamManifest;
  /** Ids of every planned training task, in build order. */
  planTrain: string[];
  /** Held-out tasks: never trained on. */
  heldOut: { id: string; novelty: TaskNovelty }[];
  /** Per source, the classes held out of the extractor and of every training task. */
  unseenClasses: Partial<Record<TaskSource, number[]>>;
  /** Finished training tasks: the first tasks of planTrain, rows tiling [0, K). */
  tasks: ZooTask[];
}

/** Writes the heads, then the manifest (with the heads' count, dim and SHA-256). */
export function saveTaskZoo(dir: string, manifest: TaskZooManifest, heads: VectorSet): void {
  const problem = manifestProblem(manifest, heads.count, heads.dim);
  if (problem) throw new InputError(`cannot save the task zoo to ${dir}: ${problem}`);
  writeSafetensors(path.join(dir, HEADS_FILE), [{ name: HEADS_TENSOR, shape: [heads.count, heads.dim], data: heads.data }], { format: 'pt' });
  const json = { formatVersion: TASK_ZOO_FORMAT_VERSION, count: heads.count, dim: heads.dim, headsSha256: rowsSha256(heads.data), ...manifest };
  writeFileAtomic(path.join(dir, TASKS_FILE), `${JSON.stringify(json, null, 1)}\n`);
}

export interface LoadTaskZooOptions {
  /** Rows of heads.safetensors beyond the manifest's K: an error (default), or dropped (a resuming build). */
  extraRows: 'reject' | 'drop';
}

/** Reads and checks a task zoo; any inconsistency is a FileFormatError naming the file at fault. */
export function loadTaskZoo(dir: string, options: LoadTaskZooOptions = { extraRows: 'reject' }): { manifest: TaskZooManifest; heads: VectorSet } {
  const manifestFile = path.join(dir, TASKS_FILE);
  const headsFile = path.join(dir, HEADS_FILE);
  const { manifest, count, dim, headsSha256 } = parseTaskZooManifest(manifestFile, new TextDecoder().decode(readFileBytes(manifestFile)));
  const { tensors } = readSafetensors(headsFile);
  const tensor = tensors.find((t) => t.name === HEADS_TENSOR);
  if (!tensor || tensors.length !== 1 || tensor.shape.length !== 2) {
    throw new FileFormatError(headsFile, `expected exactly one tensor "${HEADS_TENSOR}" [K, D], found [${tensors.map((t) => t.name).join(', ')}]`);
  }
  const [rows, cols] = tensor.shape;
  if (cols !== dim || rows < count || (rows > count && options.extraRows === 'reject')) {
    throw new FileFormatError(manifestFile, `describes ${count} heads of ${dim} values, but ${HEADS_FILE} holds [${rows}, ${cols}]`);
  }
  const data = tensor.data.subarray(0, count * dim);
  if (rowsSha256(data) !== headsSha256) throw new FileFormatError(headsFile, `does not match the checksum in ${TASKS_FILE} (files from different saves?)`);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new FileFormatError(headsFile, `head ${Math.floor(bad / dim)} holds ${data[bad]}`);
  return { manifest, heads: { count, dim, data } };
}

/** Parses tasks.json and checks it in itself (rows, ids, accuracies). */
export function parseTaskZooManifest(file: string, text: string): { manifest: TaskZooManifest; count: number; dim: number; headsSha256: string } {
  const json = JsonReader.parse(file, text);
  if (json.integer('formatVersion') !== TASK_ZOO_FORMAT_VERSION) json.fail('formatVersion', `is not ${TASK_ZOO_FORMAT_VERSION}`);
  const ex = json.object('extractor');
  const hm = json.object('headManifest');
  const manifest: TaskZooManifest = {
    config: json.record('config'),
    extractor: { classes: ex.integer('classes'), trainImages: ex.integer('trainImages'), valImages: ex.integer('valImages'), valAccuracy: ex.number('valAccuracy'), weightsSha256: ex.string('weightsSha256') },
    headManifest: {
      entries: hm.objects('entries').map((e) => ({ name: e.string('name'), shape: e.integers('shape'), offset: e.integer('offset'), size: e.integer('size') })),
      size: hm.integer('size'),
    },
    planTrain: json.strings('planTrain'),
    heldOut: json.objects('heldOut').map((h) => ({ id: h.string('id'), novelty: h.string('novelty') as TaskNovelty })),
    unseenClasses: unseenClassesOf(json),
    tasks: json.objects('tasks').map((t) => {
      const spec = t.object('spec');
      return {
        id: t.string('id'),
        spec: { source: spec.string('source'), classes: spec.integers('classes'), variant: spec.string('variant') } as TaskSpec,
        firstHead: t.integer('firstHead'), headCount: t.integer('headCount'), seeds: t.integers('seeds'), steps: t.integers('steps'),
        valAccuracy: t.numbers('valAccuracy'), testAccuracy: t.numbers('testAccuracy'), trainSize: t.integer('trainSize'),
      };
    }),
  };
  const count = json.integer('count');
  const dim = json.integer('dim');
  const headsSha256 = json.string('headsSha256');
  const problem = manifestProblem(manifest, count, dim);
  if (problem) throw new FileFormatError(file, problem);
  return { manifest, count, dim, headsSha256 };
}

/** What is inconsistent in a manifest describing `count` heads of `dim` values, or null. */
function manifestProblem(m: TaskZooManifest, count: number, dim: number): string | null {
  try {
    checkManifest(m.headManifest);
  } catch (err) {
    if (err instanceof InputError) return `headManifest: ${err.message}`;
    throw err;
  }
  if (m.headManifest.size !== dim) return `heads have ${dim} values, headManifest describes ${m.headManifest.size}`;
  for (const id of [...m.planTrain, ...m.heldOut.map((h) => h.id)]) {
    const problem = idProblem(id);
    if (problem) return problem;
  }
  if (m.heldOut.some((h) => !TASK_NOVELTIES.includes(h.novelty))) return 'a held-out task has an unknown novelty';
  const unseen = new Map(Object.entries(m.unseenClasses));
  if ([...unseen].some(([source, classes]) => !(TASK_SOURCES as readonly string[]).includes(source) || classes.some((c) => !(Number.isInteger(c) && c >= 0 && c < SOURCE_CLASSES)))) {
    return 'unseenClasses names an unknown source or class';
  }
  const trainsOn = m.planTrain.map(parseTaskId).find((spec) => spec.classes.some((c) => unseen.get(spec.source)?.includes(c)));
  if (trainsOn) return `training task ${taskId(trainsOn)} uses an unseen class`;
  let next = 0;
  for (const [i, t] of m.tasks.entries()) {
    const where = `tasks[${i}] (${t.id})`;
    if (idProblem(t.id) || taskId(t.spec) !== t.id) return `${where}: id does not match its spec`;
    if (t.id !== m.planTrain[i]) return `${where}: expected the plan's training task ${m.planTrain[i] ?? '(none left)'}`;
    if (t.firstHead !== next || t.headCount < 1) return `${where}: heads start at ${t.firstHead} (expected ${next}) with count ${t.headCount}`;
    const lists = [t.seeds, t.steps, t.valAccuracy, t.testAccuracy];
    if (lists.some((l) => l.length !== t.headCount)) return `${where}: seeds, steps and accuracies need ${t.headCount} entries each`;
    if ([...t.valAccuracy, ...t.testAccuracy].some((a) => a < 0 || a > 1)) return `${where}: an accuracy is outside [0, 1]`;
    next += t.headCount;
  }
  if (next !== count) return `tasks hold ${next} heads, count is ${count}`;
  return null;
}

/** The manifest's unseenClasses: source → class ids (sources and ranges are checked by manifestProblem). */
function unseenClassesOf(json: JsonReader): Partial<Record<TaskSource, number[]>> {
  const byName = json.object('unseenClasses');
  return Object.fromEntries(Object.keys(json.record('unseenClasses')).map((source) => [source, byName.integers(source)]));
}

function idProblem(id: string): string | null {
  try {
    parseTaskId(id);
    return null;
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
}

/** SHA-256 of the rows' float32 bytes as held in memory. */
function rowsSha256(data: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}
