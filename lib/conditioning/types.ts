/** The contract of a dataset encoder (D2NWG): a condition [T, C, S, F] → class and dataset embeddings. */
import type * as tf from '@tensorflow/tfjs';

/**
 * T tasks × C classes × S shots of F-long feature vectors, row-major in one array: the plain-data
 * form of a [T, C, S, F] condition tensor. Class k of a task is label k of its head.
 */
export interface Condition {
  tasks: number;
  classes: number;
  shots: number;
  features: number;
  data: Float32Array;
}

export interface DatasetEmbedding {
  /** [T, C, H]: one per class, invariant to the order of its shots; permutes with the classes. */
  classes: tf.Tensor3D;
  /** [T, H]: invariant to the order of the shots and of the classes. */
  dataset: tf.Tensor2D;
}

export interface DatasetEncoder {
  readonly kind: 'set-transformer' | 'mlp';
  /** F: features per shot it expects. */
  readonly features: number;
  /** H: size of the class and dataset embeddings. */
  readonly embedSize: number;
  /** Trainable variables, in a fixed order. */
  readonly params: Map<string, tf.Variable>;
  /** Checks the condition (rank, F, non-empty, finite: one read-back), then embeds it. The caller disposes the result. */
  embed(condition: tf.Tensor4D): DatasetEmbedding;
  /** `embed` without the checks, for training loops that checked their data once. */
  forward(condition: tf.Tensor4D): DatasetEmbedding;
  dispose(): void;
}
