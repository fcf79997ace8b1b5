/**
 * M independent models of one architecture held as one: each parameter and buffer stacked along a
 * leading model axis ([M, ...shape]), and the architecture's own forward run over stacked layers
 * (./stacked-layers), so one op steps all M models. The models' variables are copied in at the
 * start and written back by `unstack`.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import type { LayerOps } from './layers';
import { stackedLayers } from './stacked-layers';
import type { ForwardOptions, TaskModel } from './task-model';

/** A task model whose forward is written over `LayerOps` (ConvNet-S, the MLP). */
export interface StackableModel extends TaskModel {
  forwardWith(ops: LayerOps, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D;
}

export function isStackable(model: TaskModel): model is StackableModel {
  return typeof (model as Partial<StackableModel>).forwardWith === 'function';
}

/** Why `models` cannot be stacked, or undefined: one stackable architecture, the same names and shapes. */
function stackProblem(models: readonly TaskModel[]): string | undefined {
  if (models.length === 0) return 'no models';
  const [first] = models;
  if (!isStackable(first)) return `the ${first.kind} model has no forward over stacked layers`;
  for (const model of models) {
    if (model.kind !== first.kind) return `a ${model.kind} model among ${first.kind} models`;
    for (const store of ['params', 'buffers'] as const) {
      const [mine, theirs] = [model[store], first[store]];
      if (mine.size !== theirs.size) return `the models have different ${store}`;
      for (const [name, v] of mine) {
        const other = theirs.get(name);
        if (!other || !tf.util.arraysEqual(v.shape, other.shape)) return `${name} differs between the models`;
      }
    }
  }
  return undefined;
}

/** Each name's variables of the M models, stacked into one variable [M, ...shape]. */
function stackStore(stores: Map<string, tf.Variable>[], trainable: boolean): Map<string, tf.Variable> {
  return new Map([...stores[0].keys()].map((name) => [name,
    tf.tidy(() => tf.variable(tf.stack(stores.map((s) => s.get(name)!)), trainable))]));
}

export class ModelStack {
  /** [M, ...shape] per parameter name. */
  readonly params: Map<string, tf.Variable>;
  /** [M, ...shape] per buffer name (BN running statistics). */
  readonly buffers: Map<string, tf.Variable>;
  private readonly layers: LayerOps;
  /** Whose forward runs the stack (all M share the architecture). */
  private readonly architecture: StackableModel;

  constructor(readonly models: readonly TaskModel[]) {
    const problem = stackProblem(models);
    if (problem) throw new InputError(`cannot train these models together: ${problem}`);
    this.architecture = models[0] as StackableModel;
    this.params = stackStore(models.map((m) => m.params), true);
    this.buffers = stackStore(models.map((m) => m.buffers), false);
    this.layers = stackedLayers(this.params, this.buffers, models.length);
  }

  get count(): number {
    return this.models.length;
  }

  /** x [M·B, H, W, C], model m's batch in rows m·B…, → logits [M·B, classes] in the same rows. */
  forward(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    return this.architecture.forwardWith(this.layers, x, options);
  }

  /** Writes each model's slice of the stack into its own variables. */
  unstack(): void {
    for (const store of ['params', 'buffers'] as const) {
      for (const [name, stacked] of this[store]) {
        tf.tidy(() => tf.unstack(stacked).forEach((value, m) => this.models[m][store].get(name)!.assign(value)));
      }
    }
  }

  /** Disposes the stacked variables (not the models). */
  dispose(): void {
    tf.dispose([...this.params.values(), ...this.buffers.values()]);
  }
}
