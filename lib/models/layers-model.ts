/**
 * Adapts a tfjs `tf.LayersModel` (from `tf.sequential`, `tf.model` or `tf.loadLayersModel`) into
 * a `TaskModel`, so the library can train it, read and write its parameters by name, and
 * generate them.
 *
 * Parameter names. Each weight is named `<layer name>/<short weight name>`, where the short name
 * is the last '/'-segment of the weight's `LayerVariable.originalName` (`dense_1/kernel` →
 * `kernel`, `bn/moving_mean` → `moving_mean`). tfjs appends its uniquifying `_N` suffix only to
 * `LayerVariable.name` (and to the underlying `tf.Variable`'s name) when another variable of the
 * same scoped name already exists, e.g. `conv/kernel_1` for a second model with a layer `conv`;
 * `originalName` never carries it, so nothing has to be stripped and the names do not depend on
 * what else lives in the process. (Only if a weight had no `originalName` would a trailing `_N`
 * be stripped from `name`.) A nested `tf.LayersModel` used as a layer contributes
 * `<outer layer name>/<inner layer name>/<short name>`. Layers that tfjs names automatically
 * (`dense_Dense1`) carry a per-process counter; name your layers (or load a saved model, whose
 * names come from its JSON) for names that are stable across runs. A layer whose weights do not
 * have distinct short names (e.g. `Bidirectional`, whose forward and backward halves both have a
 * `kernel`) is rejected with an InputError rather than named from tfjs's counter-bearing
 * sub-layer names.
 *
 * Trainable weights (those in `model.trainableWeights`, so a layer frozen with
 * `layer.trainable = false` counts as frozen) are `params`; all others (BatchNormalization's
 * `moving_mean` / `moving_variance`, frozen layers) are `buffers`. The map values are the very
 * `tf.Variable`s the layers model computes with (`LayerVariable.read()` returns its variable
 * itself, not a copy), so assigning a parameter changes `model.predict` and training the adapter
 * trains the layers model. The maps are fixed at construction.
 *
 * BatchNormalization in training mode (tfjs-layers 4.22): `BatchNormalization.call` with
 * `training: true` normalises with the batch statistics and immediately overwrites
 * `moving_mean` / `moving_variance` itself, inside the call, via `LayerVariable.write`:
 * moving ← moving − (moving − batch)·(1 − momentum) = moving·momentum + batch·(1 − momentum),
 * momentum 0.99 by default, with the biased batch variance (`tf.moments`), epsilon 1e-3.
 * (`model.apply(x, {training: true})` reaches the layers: `Container.call` runs tfjs's executor
 * with the kwargs.) This library's convention is instead that a 'train' forward only pushes
 * `{name, value}` to `options.bufferUpdates` and the caller applies them after the step. So a
 * 'train' forward notes every buffer's data before running, and afterwards, for each buffer the
 * model wrote, pushes the written value as an update and restores the old value. The update is
 * thereby applied exactly once (by `applyBufferUpdates`), and not at all when the caller passes
 * no `bufferUpdates`, as with the library's own BN. Any layer that writes a non-trainable weight
 * during a training call is handled the same way.
 *
 * Ownership: the adapter does not own the layers model's variables; `dispose()` does nothing
 * unless `options.ownsModel` is true, in which case it disposes the layers model.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import { refreshStaleShapes } from '../backend/stale-shapes';
import { chainOf, endsInSoftmax, formatShape, namedWeights, type Layer } from './layers-inspect';
import type { ModelSplit, SplittableModel } from './split';
import type { ForwardOptions } from './task-model';


export interface LayersModelOptions {
  /** Dispose the layers model (and so its variables) in `dispose()`. Default false. */
  ownsModel?: boolean;
  /**
   * What the model outputs. 'logits' (default): raw class scores; a model whose last layer is a
   * softmax is rejected, since training would apply softmax twice. 'probabilities': the model ends
   * in a softmax, and `forward` returns log(max(p, 1e-30)), logits with the same softmax.
   */
  output?: 'logits' | 'probabilities';
}

/** Adapts a tfjs layers model (single [null, H, W, C] input, single [null, classes] output) to a TaskModel. */
export function fromLayersModel(model: tf.LayersModel, options: LayersModelOptions = {}): LayersTaskModel {
  return new LayersTaskModel(model, options);
}

const PROBABILITY_FLOOR = 1e-30;

export class LayersTaskModel implements SplittableModel {
  readonly kind: string;
  readonly params = new Map<string, tf.Variable>();
  readonly buffers = new Map<string, tf.Variable>();
  /** The expected input shape, [null, H, W, C] (null where the model accepts any size). */
  readonly inputShape: readonly (number | null)[];
  /** Top-level layers in order when they form a single chain, else undefined. */
  private readonly chain: Layer[] | undefined;
  /** Top-level chain index of the first layer holding each parameter. */
  private readonly paramLayer = new Map<string, number>();
  private disposed = false;

  constructor(readonly model: tf.LayersModel, private readonly options: LayersModelOptions = {}) {
    if (!(model instanceof tf.LayersModel)) throw new InputError('fromLayersModel needs a tf.LayersModel');
    if (model.inputs.length === 0 || model.outputs.length === 0) {
      throw new InputError(`the layers model ${model.name} is not built (give its first layer an inputShape)`);
    }
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      throw new InputError(`the layers model ${model.name} has ${model.inputs.length} inputs and ${model.outputs.length} outputs; ` +
        'a task model takes one image input and gives one logits output');
    }
    this.kind = `layers:${model.name}`;
    const inputShape = model.inputs[0].shape;
    if (inputShape.length !== 4) {
      throw new InputError(`the layers model ${model.name} expects input ${formatShape(inputShape)}; a task model takes ` +
        '[N, H, W, C] images (start the model with an input of shape [H, W, C], then flatten or reshape)');
    }
    this.inputShape = inputShape;
    const outputShape = model.outputs[0].shape;
    if (outputShape.length !== 2) {
      throw new InputError(`the layers model ${model.name} outputs ${formatShape(outputShape)}; a task model gives [N, classes] logits`);
    }
    const softmax = endsInSoftmax(model);
    const output = options.output ?? 'logits';
    if (softmax && output === 'logits') {
      throw new InputError(`the layers model ${model.name} ends in a softmax, but task models output logits ` +
        "(training applies softmax cross-entropy); remove the softmax or pass { output: 'probabilities' }");
    }
    if (!softmax && output === 'probabilities') {
      throw new InputError(`output 'probabilities' given, but the layers model ${model.name} does not end in a softmax`);
    }

    this.chain = chainOf(model);
    const top = this.chain ?? model.layers.filter((l) => l.getClassName() !== 'InputLayer');
    const trainable = new Set(model.trainableWeights);
    const seen = new Set<tf.LayerVariable>();
    const names = new Set<string>();
    top.forEach((layer, index) => {
      for (const { name, weight } of namedWeights(layer, '')) {
        if (seen.has(weight)) continue; // a shared weight keeps its first name
        seen.add(weight);
        if (names.has(name)) {
          throw new InputError(`two weights of the layers model ${model.name} would both be named ${name}`);
        }
        names.add(name);
        const variable = weight.read();
        if (!(variable instanceof tf.Variable)) {
          throw new InputError(`weight ${weight.name} of layer ${layer.name} does not read as a tf.Variable`);
        }
        (trainable.has(weight) ? this.params : this.buffers).set(name, variable);
        if (trainable.has(weight)) this.paramLayer.set(name, index);
      }
    });
    if (this.params.size === 0) throw new InputError(`the layers model ${model.name} has no trainable weights`);
  }

  /** [N, H, W, C] images → [N, classes] logits; see the module comment for 'train' mode. */
  forward(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
    this.checkInput(x);
    return this.run(options, (training) => this.model.apply(x, { training }) as tf.Tensor);
  }

  /**
   * For a chain of layers: the cut before the first layer that holds a parameter of `subset`.
   * Trunk = the layers before it (inference mode), head = the rest. Undefined for other graphs,
   * an empty subset, or a cut before the first layer (nothing to cache).
   */
  split(subset: readonly string[]): ModelSplit | undefined {
    const chain = this.chain;
    if (!chain || subset.length === 0) return undefined;
    let cut = Infinity;
    for (const name of subset) {
      const index = this.paramLayer.get(name);
      if (index === undefined) throw new InputError(`the ${this.kind} model has no parameter ${name}`);
      cut = Math.min(cut, index);
    }
    if (cut === 0) return undefined;
    const headParams = [...this.paramLayer].filter(([, index]) => index >= cut).map(([name]) => name);
    const runLayers = (h: tf.Tensor, from: number, to: number, training: boolean): tf.Tensor => {
      for (let i = from; i < to; i++) h = chain[i].apply(h, { training }) as tf.Tensor;
      return h;
    };
    const head = (features: tf.Tensor, options: ForwardOptions): tf.Tensor2D =>
      this.run(options, (training) => runLayers(features, cut, chain.length, training));
    return {
      headParams,
      differentiable: false, // headMany assigns each model's values to the layers' variables in turn
      trunk: (x) => {
        this.checkInput(x);
        return tf.tidy(() => runLayers(x, 0, cut, false));
      },
      head,
      headMany: (features, params) => {
        for (const name of headParams) {
          const stacked = params.get(name);
          const own = this.params.get(name)!;
          if (!stacked) throw new InputError(`headMany: no values for head parameter ${name}`);
          if (formatShape(stacked.shape.slice(1)) !== formatShape(own.shape)) {
            throw new InputError(`headMany: ${name} is ${formatShape(stacked.shape)}, expected [M, ${own.shape.join(', ')}]`);
          }
        }
        const count = Math.max(...headParams.map((name) => params.get(name)!.shape[0]));
        const uneven = headParams.find((name) => ![1, count].includes(params.get(name)!.shape[0]));
        if (uneven) throw new InputError(`headMany: ${uneven} has ${params.get(uneven)!.shape[0]} rows, expected 1 or ${count}`);
        const originals = new Map(headParams.map((name) => [name, this.params.get(name)!.clone()]));
        const logits: tf.Tensor2D[] = [];
        try {
          for (let m = 0; m < count; m++) {
            for (const name of headParams) {
              const stacked = params.get(name)!;
              if (stacked.shape[0] === 1 && m > 0) continue; // shared by all M: loaded once
              const own = this.params.get(name)!;
              // The reshaped slice keeps its data's [1, ...] shape; head() refreshes it (refreshStaleShapes).
              tf.tidy(() => own.assign(stacked.slice(stacked.shape[0] === 1 ? 0 : m, 1).reshape(own.shape)));
            }
            logits.push(head(features, { mode: 'eval' }));
          }
          return tf.stack(logits) as tf.Tensor3D;
        } finally {
          tf.dispose(logits);
          for (const [name, value] of originals) this.params.get(name)!.assign(value);
          tf.dispose([...originals.values()]);
        }
      },
    };
  }

  /** Disposes the layers model if the adapter owns it (`options.ownsModel`); otherwise nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.options.ownsModel) this.model.dispose();
  }

  /**
   * Runs `fn` in the mode's training flag. In 'train' mode, buffers the layers wrote are turned
   * into pushed updates and restored, so they change only when the caller applies the updates.
   */
  private run(options: ForwardOptions, fn: (training: boolean) => tf.Tensor): tf.Tensor2D {
    const training = options.mode === 'train';
    refreshStaleShapes(this.params.values());
    refreshStaleShapes(this.buffers.values());
    return tf.tidy(() => {
      const before = training
        ? [...this.buffers].map(([name, variable]) => ({ name, variable, dataId: variable.dataId, saved: variable.clone() }))
        : [];
      let out: tf.Tensor | undefined;
      try {
        out = fn(training);
      } finally {
        for (const { name, variable, dataId, saved } of before) {
          if (variable.dataId === dataId) continue;
          if (out && options.bufferUpdates) options.bufferUpdates.push({ name, value: tf.keep(variable.clone()) });
          variable.assign(saved);
        }
      }
      if (out.rank !== 2) throw new InputError(`the layers model ${this.model.name} returned ${formatShape(out.shape)}, not [N, classes]`);
      return (this.options.output === 'probabilities' ? tf.log(tf.maximum(out, PROBABILITY_FLOOR)) : out) as tf.Tensor2D;
    });
  }

  private checkInput(x: tf.Tensor): void {
    const ok = x.rank === 4 && this.inputShape.every((d, i) => i === 0 || d === null || d === x.shape[i]);
    if (!ok) throw new InputError(`the layers model expects input ${formatShape(this.inputShape)}, got ${formatShape(x.shape)}`);
    if (x.dtype !== 'float32') throw new InputError(`the layers model expects float32 images, got ${x.dtype}`);
  }
}
