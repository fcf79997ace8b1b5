import * as tf from '@tensorflow/tfjs';

/** Whether a forward pass trains (batch statistics, running stats updated) or infers. */
export type ForwardMode = 'train' | 'eval';

/** A new value for a non-trainable buffer (BN running statistics), applied after the step. */
export interface BufferUpdate {
  name: string;
  value: tf.Tensor;
}

export interface ForwardOptions {
  mode: ForwardMode;
  /** In 'train' mode, BN layers push their running-statistics updates here (kept tensors). */
  bufferUpdates?: BufferUpdate[];
}

/**
 * A classifier with named, ordered parameters. Names are stable and '/'-separated
 * (`conv1/weight`, `bn3/bias`, `fc/weight`), so a subset can be chosen by pattern and
 * a flattened vector maps back to layers. Layouts are tfjs's: conv [kh, kw, in, out],
 * linear [in, out].
 */
export interface TaskModel {
  readonly kind: string;
  /** Trainable parameters, in a fixed order. */
  readonly params: Map<string, tf.Variable>;
  /** Non-trainable state (BN running mean / var), never part of a generated subset. */
  readonly buffers: Map<string, tf.Variable>;
  /** [N, H, W, C] images → [N, classes] logits. */
  forward(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D;
  dispose(): void;
}

export function countParams(model: TaskModel): number {
  let n = 0;
  for (const v of model.params.values()) n += v.size;
  return n;
}

/** Assigns pushed buffer updates to the model's buffers (or a model stack's) and disposes them. */
export function applyBufferUpdates(model: Pick<TaskModel, 'buffers'>, updates: BufferUpdate[]): void {
  for (const { name, value } of updates) {
    const target = model.buffers.get(name);
    if (!target) throw new Error(`no buffer named ${name}`);
    target.assign(value);
    value.dispose();
  }
  updates.length = 0;
}
