/** A whole network as plain arrays: what weight matching and zoo alignment read and write. */
import type { TaskModel } from '../models/task-model';
import { assignParams, readParams } from './tensors';
import type { NamedArray } from './types';

/** A network's arrays: trainable parameters and buffers (BN running statistics). */
export interface NetworkArrays {
  params: readonly NamedArray[];
  buffers?: readonly NamedArray[];
}

/** Copies of a model's parameters and buffers, in the model's order. */
export function readNetwork(model: TaskModel): { params: NamedArray[]; buffers: NamedArray[] } {
  return { params: readParams(model.params, [...model.params.keys()]), buffers: readParams(model.buffers, [...model.buffers.keys()]) };
}

/** Writes arrays into a model's parameters and buffers; each list is checked before any is written. */
export function assignNetwork(model: TaskModel, network: NetworkArrays): void {
  assignParams(model.params, network.params);
  assignParams(model.buffers, network.buffers ?? []);
}
