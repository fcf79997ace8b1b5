/**
 * A trained WeightVae on disk: one safetensors file with its parameters (by name, readable from
 * PyTorch) and, in the metadata, its config, input dim and normalisation statistics as JSON
 * (numbers round-trip exactly, so a loaded VAE encodes and decodes bit-identically).
 */
import { checkArrays } from '../optim/train-state';
import { checkNormStats, type NormStats } from '../params/normalize';
import { assignParams, readParams } from '../params/tensors';
import { FileFormatError, InputError } from '../util/errors';
import { JsonReader } from '../zoo/json-reader';
import { readSafetensors, writeSafetensors } from '../zoo/safetensors';
import { WeightVae } from './model';
import { checkVaeConfig, type VaeActivation, type VaeConfig } from './config';

/** Bumped when the layout changes in a way older readers would misread. */
const VAE_FORMAT_VERSION = 1;
const METADATA_KEY = 'vae';

/** Writes `vae` (weights, config, statistics) atomically to `file`. */
export function saveVae(file: string, vae: WeightVae): void {
  const meta = { formatVersion: VAE_FORMAT_VERSION, inDim: vae.inDim, config: vae.config, norm: vae.norm };
  writeSafetensors(file, readParams(vae.params, [...vae.params.keys()]), { [METADATA_KEY]: JSON.stringify(meta), format: 'pt' });
}

/** Reads a VAE written by saveVae; anything inconsistent is a FileFormatError naming the file. */
export function loadVae(file: string): WeightVae {
  const { tensors, metadata } = readSafetensors(file);
  const json = JsonReader.parse(file, metadata[METADATA_KEY] ?? '');
  if (json.integer('formatVersion') !== VAE_FORMAT_VERSION) json.fail('formatVersion', `is not ${VAE_FORMAT_VERSION}`);
  const inDim = json.integer('inDim');
  const c = json.object('config');
  const config: VaeConfig = {
    latentDim: c.integer('latentDim'), hidden: c.integers('hidden'), activation: c.string('activation') as VaeActivation,
    beta: c.number('beta'), inputNoise: c.number('inputNoise'),
  };
  const norm = json.isNull('norm') ? null : readNorm(json.object('norm'));
  asFileProblem(file, () => {
    checkVaeConfig(config);
    if (norm) checkNormStats(norm, inDim);
  });
  const vae = new WeightVae(config, inDim, 0);
  try {
    checkArrays(file, 'VAE parameters', tensors, vae.params);
    assignParams(vae.params, tensors);
  } catch (err) {
    vae.dispose();
    throw err;
  }
  vae.norm = norm;
  return vae;
}

function readNorm(json: JsonReader): NormStats {
  const mode = json.string('mode');
  const [mean, std] = [json.numbers('mean'), json.numbers('std')];
  if (mode === 'position') return { mode, mean, std };
  if (mode === 'layer') return { mode, sizes: json.integers('sizes'), mean, std };
  return json.fail('mode', `expected "position" or "layer", got "${mode}"`);
}

/** Runs a check written for in-memory input and reports its InputError as a problem of `file`. */
function asFileProblem(file: string, check: () => void): void {
  try {
    check();
  } catch (err) {
    if (err instanceof InputError) throw new FileFormatError(file, err.message);
    throw err;
  }
}
