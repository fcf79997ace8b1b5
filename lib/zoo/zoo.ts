/**
 * A zoo: K checkpoints of one parameter subset, stored as a directory that both this library and
 * PyTorch can read:
 *   manifest.json       what the rows are (see zoo-manifest.ts)
 *   params.safetensors  one float32 tensor `params` of shape [K, D]
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeIncompatibility } from '../params/flatten';
import type { ParamManifest, VectorSet } from '../params/types';
import { writeFileAtomic } from '../util/atomic-write';
import { FileFormatError, InputError } from '../util/errors';
import { encodeSafetensors, readSafetensors } from './safetensors';
import { parseZooManifest, ZOO_FORMAT_VERSION, type ZooInfo, type ZooManifestJson } from './zoo-manifest';

export const MANIFEST_FILE = 'manifest.json';
export const PARAMS_FILE = 'params.safetensors';
/** Name of the single tensor in params.safetensors. */
export const PARAMS_TENSOR = 'params';

export interface Zoo extends ZooInfo {
  /** [K, D]: row k is checkpoint k's subset, laid out by `paramManifest`. */
  params: VectorSet;
}

export interface LoadZooOptions {
  /** The layout the caller's model needs; a zoo of another subset or model is rejected. */
  expect?: ParamManifest;
}

/**
 * Writes a zoo. Everything is checked and serialised before the first write, so a bad zoo never
 * replaces a good one; then params.safetensors and manifest.json are each replaced atomically.
 */
export function saveZoo(dir: string, zoo: Zoo): void {
  checkParams(zoo.params);
  const { count, dim, data } = zoo.params;
  const tensorBytes = encodeSafetensors([{ name: PARAMS_TENSOR, shape: [count, dim], data }], { format: 'pt' });
  const hash = createHash('sha256');
  tensorBytes.forEach((part) => hash.update(part));
  const manifest: ZooManifestJson = {
    formatVersion: ZOO_FORMAT_VERSION,
    model: zoo.model,
    created: zoo.created,
    subset: zoo.subset,
    count,
    dim,
    paramManifest: zoo.paramManifest,
    checkpoints: zoo.checkpoints,
    norm: zoo.norm,
    config: zoo.config,
    paramsSha256: hash.digest('hex'),
  };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  // Whatever loadZoo would reject is rejected now, so a save always gives a loadable zoo.
  try {
    parseZooManifest(path.join(dir, MANIFEST_FILE), manifestText);
  } catch (err) {
    if (err instanceof FileFormatError) throw new InputError(`cannot save zoo to ${dir}: ${err.problem}`);
    throw err;
  }
  writeFileAtomic(path.join(dir, PARAMS_FILE), tensorBytes);
  writeFileAtomic(path.join(dir, MANIFEST_FILE), manifestText);
}

/** Reads and checks a zoo; any inconsistency is a FileFormatError naming the file at fault. */
export function loadZoo(dir: string, options: LoadZooOptions = {}): Zoo {
  const manifestFile = path.join(dir, MANIFEST_FILE);
  const paramsFile = path.join(dir, PARAMS_FILE);
  const manifest = parseZooManifest(manifestFile, readText(manifestFile));
  const { count, dim } = manifest;
  const { tensors } = readSafetensors(paramsFile);
  const tensor = tensors.find((t) => t.name === PARAMS_TENSOR);
  if (tensor === undefined || tensors.length !== 1) {
    const names = tensors.map((t) => t.name).join(', ');
    throw new FileFormatError(paramsFile, `expected exactly one tensor "${PARAMS_TENSOR}", found [${names}]`);
  }
  if (tensor.shape.length !== 2 || tensor.shape[0] !== count || tensor.shape[1] !== dim) {
    throw new FileFormatError(
      manifestFile,
      `says the zoo is [${count}, ${dim}] (K, D), but ${PARAMS_FILE} holds a tensor of shape [${tensor.shape.join(', ')}]`,
    );
  }
  if (sha256(paramsFile) !== manifest.paramsSha256) {
    throw new FileFormatError(paramsFile, `does not match the checksum in ${MANIFEST_FILE} (files from different saves?)`);
  }
  const params = { count, dim, data: tensor.data };
  const bad = params.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const row = Math.floor(bad / dim);
    const position = bad % dim;
    const layer = manifest.paramManifest.entries.find((e) => position < e.offset + e.size)?.name;
    throw new FileFormatError(paramsFile, `value ${params.data[bad]} in row ${row}, position ${position} (layer "${layer}")`);
  }
  if (options.expect !== undefined) {
    const problem = describeIncompatibility(options.expect, manifest.paramManifest.entries);
    if (problem !== null) throw new InputError(`zoo ${dir} does not fit the model: ${problem}`);
  }
  const { model, subset, paramManifest, checkpoints, norm, config, created } = manifest;
  return { model, subset, paramManifest, checkpoints, norm, config, created, params };
}

/** The parameter values the manifest cannot vouch for: their count and finiteness. */
function checkParams({ count, dim, data }: VectorSet): void {
  if (data.length !== count * dim) throw new InputError(`zoo params claim [${count}, ${dim}] but hold ${data.length} values`);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InputError(`zoo params: value ${data[bad]} in row ${Math.floor(bad / dim)} is not finite`);
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new FileFormatError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
