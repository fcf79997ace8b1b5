/**
 * Permutation symmetries of a network, as data (Git Re-Basin's "permutation spec": Ainsworth,
 * Hayase & Srinivasa, ICLR 2023, §3): each hidden permutation names the axes it reorders.
 * Reordering the hidden units of a layer, together with everything that reads or normalises them,
 * leaves the function unchanged.
 *
 * Layouts are tfjs's: linear weight [in, out], conv weight [kh, kw, in, out], biases and BN
 * weight / bias / running_mean / running_var [C].
 */
import type { TaskModel } from '../models/task-model';
import { InputError } from '../util/errors';
import type { NamedShape } from './flatten';
import { formatShape } from './types';

/** One axis of one named array (a parameter or a buffer). */
export interface PermutedAxis {
  name: string;
  axis: number;
}

/** Permutation name → the axes it reorders. Plain JSON. */
export type PermutationSpec = Readonly<Record<string, readonly PermutedAxis[]>>;

/**
 * Hidden units of each hidden layer of an MLP fc1 … fcN: permutation `fc<l>` reorders fc<l>'s
 * outputs (weight axis 1, bias) and fc<l+1>'s inputs (weight axis 0). The logits stay in place.
 */
export function mlpPermutationSpec(layers: number): PermutationSpec {
  if (!(Number.isInteger(layers) && layers >= 1)) throw new InputError(`an MLP has at least one layer, got ${layers}`);
  const spec: Record<string, PermutedAxis[]> = {};
  for (let l = 1; l < layers; l++) {
    spec[`fc${l}`] = [
      { name: `fc${l}/weight`, axis: 1 },
      { name: `fc${l}/bias`, axis: 0 },
      { name: `fc${l + 1}/weight`, axis: 0 },
    ];
  }
  return spec;
}

/**
 * Channels of each stage of a plain conv → BN chain ending in global average pooling and `fc`
 * (ConvNet-S: conv1 bn1 … conv3 bn3 → pool → fc): permutation `conv<i>` reorders conv<i>'s output
 * channels (weight axis 3, and its bias if `convBias`), bn<i>'s four vectors, and the next reader's
 * inputs: conv<i+1>'s axis 2, or fc's axis 0 after the last stage (pooling keeps channels apart).
 */
export function convnetPermutationSpec(stages: number, convBias: 'bias' | 'no-bias' = 'no-bias'): PermutationSpec {
  if (!(Number.isInteger(stages) && stages >= 1)) throw new InputError(`a conv chain has at least one stage, got ${stages}`);
  const spec: Record<string, PermutedAxis[]> = {};
  for (let i = 1; i <= stages; i++) {
    const bn = ['weight', 'bias', 'running_mean', 'running_var'].map((v) => ({ name: `bn${i}/${v}`, axis: 0 }));
    spec[`conv${i}`] = [
      { name: `conv${i}/weight`, axis: 3 },
      ...(convBias === 'bias' ? [{ name: `conv${i}/bias`, axis: 0 }] : []),
      ...bn,
      i < stages ? { name: `conv${i + 1}/weight`, axis: 2 } : { name: 'fc/weight', axis: 0 },
    ];
  }
  return spec;
}

/** The spec of a built-in MLP or ConvNet-S, checked against the model's parameters and buffers. */
export function permutationSpecFor(model: TaskModel): PermutationSpec {
  const names = [...model.params.keys()];
  let spec: PermutationSpec;
  if (model.kind === 'mlp') {
    spec = mlpPermutationSpec(names.filter((n) => /^fc\d+\/weight$/.test(n)).length);
  } else if (model.kind === 'convnet-s') {
    spec = convnetPermutationSpec(names.filter((n) => /^conv\d+\/weight$/.test(n)).length);
  } else {
    throw new InputError(`no permutation spec for a ${model.kind} model; supported: mlp, convnet-s`);
  }
  const arrays = [...model.params, ...model.buffers].map(([name, v]) => ({ name, shape: v.shape }));
  permutationSizes(spec, arrays, 'all');
  return spec;
}

/**
 * Checks a spec against arrays and returns each permutation's size. Every axis must exist and the
 * axes of one permutation must have one length; no axis may belong to two permutations.
 * `present: 'all'` also requires every named array; 'some' skips absent ones (e.g. buffers kept
 * elsewhere), and a permutation that touches none of the arrays gets no size.
 */
export function permutationSizes(spec: PermutationSpec, arrays: readonly NamedShape[], present: 'all' | 'some'): Map<string, number> {
  const shapes = new Map(arrays.map((a) => [a.name, a.shape]));
  const owner = new Map<string, string>();
  const sizes = new Map<string, number>();
  for (const [perm, axes] of Object.entries(spec)) {
    for (const { name, axis } of axes) {
      const shape = shapes.get(name);
      if (shape === undefined) {
        if (present === 'all') throw new InputError(`permutation "${perm}" acts on "${name}", which is missing`);
        continue;
      }
      if (!(Number.isInteger(axis) && axis >= 0 && axis < shape.length)) {
        throw new InputError(`permutation "${perm}": "${name}" with shape ${formatShape(shape)} has no axis ${axis}`);
      }
      const key = `${name}:${axis}`;
      if (owner.has(key)) throw new InputError(`axis ${axis} of "${name}" belongs to both "${owner.get(key)}" and "${perm}"`);
      owner.set(key, perm);
      const size = sizes.get(perm);
      if (size !== undefined && size !== shape[axis]) {
        throw new InputError(`permutation "${perm}" has size ${size}, but axis ${axis} of "${name}" has length ${shape[axis]}`);
      }
      sizes.set(perm, shape[axis]);
    }
  }
  return sizes;
}
