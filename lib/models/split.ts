/**
 * A network cut where a generated subset begins. Everything before the cut is frozen, so its
 * output (the features) is computed once per image and reused by every fine-tuning step and
 * every evaluation; the head after the cut runs for one model or for M models at once.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import type { ForwardOptions, TaskModel } from './task-model';

export interface ModelSplit {
  /** Names of the parameters after the cut; a subset must lie among them. */
  readonly headParams: readonly string[];
  /** Frozen part in inference mode: images [N, H, W, C] → features [N, ...]. */
  trunk(x: tf.Tensor4D): tf.Tensor;
  /** The head with the model's own variables (fine-tuning the subset): → [N, classes]. */
  head(features: tf.Tensor, options: ForwardOptions): tf.Tensor2D;
  /**
   * M heads in one pass, inference mode. `params` maps every head parameter to [M, ...shape]
   * (or [1, ...shape] when shared by all M): → logits [M, N, classes].
   */
  headMany(features: tf.Tensor, params: Map<string, tf.Tensor>): tf.Tensor3D;
  /**
   * Whether headMany is a function of the [M, ...] `params` that gradients flow through (tf ops on
   * them), not a loop that assigns them to the model's variables (shared [1, ...] ones are constants
   * there). The autoencoder's behavioural loss needs it.
   */
  readonly differentiable: boolean;
}

/** A model that knows cheaper cuts than "the whole network is the head". */
export interface SplittableModel extends TaskModel {
  /** The latest cut before every parameter of `subset`, or undefined if it has none. */
  split(subset: readonly string[]): ModelSplit | undefined;
}

function isSplittable(model: TaskModel): model is SplittableModel {
  return typeof (model as Partial<SplittableModel>).split === 'function';
}

/** The model's own cut for the subset, or the whole-network fallback (correct, not cached). */
export function splitFor(model: TaskModel, subset: readonly string[]): ModelSplit {
  for (const name of subset) {
    if (!model.params.has(name)) throw new InputError(`the ${model.kind} model has no parameter ${name}`);
  }
  return (isSplittable(model) ? model.split(subset) : undefined) ?? wholeNetworkSplit(model, subset);
}

/**
 * Features are the images themselves; headMany loads each model's subset into the variables in
 * turn and restores the originals afterwards.
 */
function wholeNetworkSplit(model: TaskModel, subset: readonly string[]): ModelSplit {
  return {
    headParams: subset,
    differentiable: false,
    trunk: (x) => x.clone(),
    head: (features, options) => model.forward(features as tf.Tensor4D, options),
    headMany(features, params) {
      const originals = new Map(subset.map((name) => [name, model.params.get(name)!.clone()]));
      const count = Math.max(...subset.map((name) => params.get(name)!.shape[0]));
      try {
        const logits: tf.Tensor2D[] = [];
        for (let m = 0; m < count; m++) {
          for (const name of subset) {
            const stacked = params.get(name)!;
            const row = stacked.shape[0] === 1 ? 0 : m;
            tf.tidy(() => model.params.get(name)!.assign(stacked.slice(row, 1).reshape(model.params.get(name)!.shape)));
          }
          logits.push(model.forward(features as tf.Tensor4D, { mode: 'eval' }));
        }
        const out = tf.stack(logits) as tf.Tensor3D;
        tf.dispose(logits);
        return out;
      } finally {
        for (const [name, value] of originals) model.params.get(name)!.assign(value);
        tf.dispose([...originals.values()]);
      }
    },
  };
}
