/**
 * Zoos of PyTorch models: one safetensors file of stacked state dicts, one tensor per parameter
 * or BN running statistic, [N, ...PyTorch shape] (what `peer_seed_zoo.py --zoo` writes), read into
 * our names and layouts and written back in PyTorch's. Names and layouts: torch-names.ts.
 * `num_batches_tracked` (I64) is not part of the format: the reader refuses non-F32 tensors.
 */
import type { TaskModel } from '../models/task-model';
import { assignParams, readParams } from '../params/tensors';
import { formatShape, shapeSize, type NamedArray } from '../params/types';
import { FileFormatError, InputError } from '../util/errors';
import { readSafetensors, writeSafetensors } from './safetensors';
import { fromTorchLayout, toTorchLayout, torchName, torchShape } from './torch-names';

/** Value of the `layout` metadata key of a PyTorch zoo; a file without the key is read as one. */
export const TORCH_LAYOUT = 'pytorch';

export interface TorchZoo {
  /** Members N. */
  count: number;
  /** Per member: the model's parameters, our names and layouts, model order. */
  params: NamedArray[][];
  /** Per member: the model's buffers (BN running statistics), likewise. */
  buffers: NamedArray[][];
  /** The file's metadata (e.g. model, dataset, seeds, layout). */
  metadata: Record<string, string>;
  /** metadata.seeds (a JSON array, one integer per member), or null when the file names none. */
  seeds: number[] | null;
}

/** One member to write: our names and layouts. */
export interface TorchMember {
  params: NamedArray[];
  /** Default: the model's current buffers. */
  buffers?: NamedArray[];
}

interface Slot {
  name: string;
  shape: number[];
  kind: 'param' | 'buffer';
}

/** The model's parameters then buffers, each under its state-dict key. */
function slotsOf(model: TaskModel): Map<string, Slot> {
  const slots = new Map<string, Slot>();
  for (const [kind, store] of [['param', model.params], ['buffer', model.buffers]] as const) {
    for (const [name, v] of store) slots.set(torchName(name), { name, shape: [...v.shape], kind });
  }
  return slots;
}

/**
 * Reads a PyTorch zoo for `model`. Every problem is a FileFormatError naming the file and the
 * tensor: unreadable or non-F32 file, a tensor the model needs is missing, a tensor the model does
 * not have, a member shape that is not PyTorch's layout of the model's shape, a different member
 * count between tensors, a NaN or infinity (with the member), a layout other than PyTorch's.
 */
export function readTorchZoo(file: string, model: TaskModel): TorchZoo {
  const { tensors, metadata } = readSafetensors(file);
  function fail(problem: string): never {
    throw new FileFormatError(file, problem);
  }
  if (metadata.layout !== undefined && metadata.layout !== TORCH_LAYOUT) {
    fail(`layout "${metadata.layout}" is not "${TORCH_LAYOUT}"`);
  }
  const slots = slotsOf(model);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const extra = tensors.filter((t) => !slots.has(t.name)).map((t) => `"${t.name}"`);
  if (extra.length > 0) fail(`extra tensor ${extra.join(', ')}: the ${model.kind} model has no such parameter or buffer`);
  const missing = [...slots.keys()].filter((key) => !byName.has(key)).map((key) => `"${key}"`);
  if (missing.length > 0) fail(`missing tensor ${missing.join(', ')} that the ${model.kind} model needs`);
  if (tensors.length === 0) fail('no tensors');

  const first = tensors[0];
  const count = first.shape.length > 0 ? first.shape[0] : fail(`tensor "${first.name}" is a scalar, not stacked members`);
  if (count === 0) fail('no members: every tensor stacks 0');
  const params: NamedArray[][] = Array.from({ length: count }, () => []);
  const buffers: NamedArray[][] = Array.from({ length: count }, () => []);
  for (const [key, { name, shape, kind }] of slots) {
    const t = byName.get(key) as NamedArray;
    if (t.shape.length === 0 || t.shape[0] !== count) {
      fail(`tensor "${key}" stacks ${t.shape[0] ?? 'no'} members, "${first.name}" stacks ${count}`);
    }
    const member = t.shape.slice(1);
    const expected = torchShape(shape);
    if (formatShape(member) !== formatShape(expected)) {
      fail(`tensor "${key}" has member shape ${formatShape(member)}, which is not PyTorch's layout ${formatShape(expected)} ` +
        `of the model's ${name} ${formatShape(shape)}`);
    }
    const size = shapeSize(shape);
    for (let m = 0; m < count; m++) {
      const data = t.data.subarray(m * size, (m + 1) * size);
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) fail(`tensor "${key}", member ${m}: value ${data[bad]} at index ${bad}`);
      (kind === 'param' ? params : buffers)[m].push({ name, shape: [...shape], data: fromTorchLayout(data, shape) });
    }
  }
  const seeds = metadata.seeds === undefined ? null : parseSeeds(metadata.seeds, count, fail);
  return { count, params, buffers, metadata, seeds };
}

/** metadata.seeds: a JSON array of `count` integers ≥ 0. */
function parseSeeds(text: string, count: number, fail: (problem: string) => never): number[] {
  let seeds: unknown;
  try {
    seeds = JSON.parse(text);
  } catch {
    return fail(`metadata seeds ${JSON.stringify(text)} is not JSON`);
  }
  if (!Array.isArray(seeds) || seeds.length !== count || !seeds.every((s) => Number.isSafeInteger(s) && s >= 0)) {
    return fail(`metadata seeds ${text} is not a list of ${count} integers ≥ 0, one per member`);
  }
  return seeds as number[];
}

/** Loads member `i` of a zoo (parameters and buffers) into the model. */
export function loadTorchMember(model: TaskModel, zoo: TorchZoo, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= zoo.count) throw new InputError(`member ${i} is outside [0, ${zoo.count})`);
  assignParams(model.params, zoo.params[i]);
  assignParams(model.buffers, zoo.buffers[i]);
}

/**
 * Writes members of `model` as a PyTorch zoo (inverse of readTorchZoo, exact), atomically, with
 * metadata `layout: "pytorch"`. Members are checked first (every name of the model, its shapes,
 * finite values; seeds if given), so a bad member never replaces a file.
 */
export function writeTorchZoo(
  file: string, model: TaskModel, members: readonly TorchMember[], metadata: Record<string, string> = {},
): void {
  if (members.length === 0) throw new InputError('no members to write');
  function fail(problem: string): never {
    throw new InputError(`cannot write ${file}: ${problem}`);
  }
  if (metadata.seeds !== undefined) parseSeeds(metadata.seeds, members.length, fail);
  const slots = slotsOf(model);
  const current = model.buffers.size > 0 ? readParams(model.buffers, [...model.buffers.keys()]) : [];
  const stacked = new Map([...slots].map(([key, { shape }]) => [key, new Float32Array(members.length * shapeSize(shape))]));
  members.forEach((member, m) => {
    const arrays = [...member.params, ...(member.buffers ?? current)];
    const seen = new Set<string>();
    for (const { name, shape, data } of arrays) {
      const key = torchName(name);
      const slot = slots.get(key);
      if (!slot) fail(`member ${m}: "${name}" is not in the ${model.kind} model`);
      if (seen.has(key)) fail(`member ${m}: "${name}" is repeated`);
      seen.add(key);
      if (formatShape(shape) !== formatShape(slot.shape) || data.length !== shapeSize(slot.shape)) {
        fail(`member ${m}: "${name}" has shape ${formatShape(shape)} (${data.length} values), the model's is ${formatShape(slot.shape)}`);
      }
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) fail(`member ${m}: "${name}" holds ${data[bad]} at index ${bad}`);
      stacked.get(key)!.set(toTorchLayout(data, shape), m * data.length);
    }
    const missing = [...slots.keys()].filter((key) => !seen.has(key));
    if (missing.length > 0) fail(`member ${m} lacks ${missing.map((key) => `"${slots.get(key)!.name}"`).join(', ')}`);
  });
  const tensors = [...slots].map(([key, { shape }]) => ({ name: key, shape: [members.length, ...torchShape(shape)], data: stacked.get(key)! }));
  writeSafetensors(file, tensors, { ...metadata, layout: TORCH_LAYOUT });
}
