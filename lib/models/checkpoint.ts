/** A task model's weights and buffers as one safetensors file (names as in the model). */
import * as fs from 'node:fs';
import { assignParams, readParams } from '../params/tensors';
import { readSafetensors, writeSafetensors } from '../zoo/safetensors';
import { FileFormatError, InputError } from '../util/errors';
import type { TaskModel } from './task-model';

function allVariables(model: TaskModel) {
  return new Map([...model.params, ...model.buffers]);
}

/** Writes every parameter and buffer of the model, atomically. */
export function saveModelWeights(file: string, model: TaskModel): void {
  const vars = allVariables(model);
  writeSafetensors(file, readParams(vars, [...vars.keys()]), { model: model.kind });
}

/** Loads weights saved by saveModelWeights; a file of another model is rejected before any change. */
export function loadModelWeights(file: string, model: TaskModel): void {
  const { tensors, metadata } = readSafetensors(file);
  if (metadata.model !== undefined && metadata.model !== model.kind) {
    throw new FileFormatError(file, `holds a ${metadata.model} model, not ${model.kind}`);
  }
  const vars = allVariables(model);
  const missing = [...vars.keys()].filter((name) => !tensors.some((t) => t.name === name));
  if (missing.length) throw new FileFormatError(file, `lacks ${missing.join(', ')}`);
  try {
    assignParams(vars, tensors);
  } catch (err) {
    if (err instanceof InputError) throw new FileFormatError(file, err.message);
    throw err;
  }
}

export function hasModelWeights(file: string): boolean {
  return fs.existsSync(file);
}
