/**
 * The aligned (then frozen) dataset encoder on disk: its parameters in one safetensors file and
 * the alignment's report in the metadata, so a resumed run skips alignment and still reports it.
 */
import type { AlignResult, DatasetEncoder } from '../conditioning';
import { checkArrays } from '../optim/train-state';
import { assignParams, readParams } from '../params/tensors';
import { FileFormatError } from '../util/errors';
import { readSafetensors, writeSafetensors } from '../zoo/safetensors';

const METADATA_KEY = 'alignment';

export function saveEncoder(file: string, encoder: DatasetEncoder, alignment: AlignResult): void {
  writeSafetensors(file, readParams(encoder.params, [...encoder.params.keys()]), { [METADATA_KEY]: JSON.stringify(alignment), format: 'pt' });
}

/** Loads the parameters into `encoder` (built with the same config) and returns the saved alignment report. */
export function loadEncoder(file: string, encoder: DatasetEncoder): AlignResult {
  const { tensors, metadata } = readSafetensors(file);
  const text = metadata[METADATA_KEY];
  if (text === undefined) throw new FileFormatError(file, `no "${METADATA_KEY}" metadata: not an aligned dataset encoder`);
  let alignment: AlignResult;
  try {
    alignment = JSON.parse(text) as AlignResult;
  } catch (err) {
    throw new FileFormatError(file, `"${METADATA_KEY}" metadata is not JSON: ${(err as Error).message}`);
  }
  checkArrays(file, 'dataset encoder parameters', tensors, encoder.params);
  assignParams(encoder.params, tensors);
  return alignment;
}
