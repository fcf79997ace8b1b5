/**
 * `manifest.json`, the description half of a zoo: what the rows of `params.safetensors` are
 * (model, subset, layout, per-checkpoint info, normalisation) and how they were made (run config).
 */
import { checkManifest } from '../params/flatten';
import { checkNormStats, normModes, type NormStats } from '../params/normalize';
import type { ParamManifest } from '../params/types';
import { FileFormatError, InputError } from '../util/errors';
import { JsonReader } from './json-reader';

/** Bumped whenever manifest.json changes in a way older readers would misread. */
export const ZOO_FORMAT_VERSION = 1;

/** Where one row of the zoo came from and how good it is. */
export interface CheckpointInfo {
  /** Seed (an integer ≥ 0) of the training run that produced this checkpoint. */
  seed: number;
  /** Training step at which it was taken. */
  step: number;
  /** Accuracy in [0, 1] on the val split (used for selection), null if not evaluated. */
  valAccuracy: number | null;
  /** Accuracy in [0, 1] on the test split (only reported), null if not evaluated. */
  testAccuracy: number | null;
}

/** Everything about a zoo except the parameter values. */
export interface ZooInfo {
  /** Model name, e.g. 'convnet-s'. */
  model: string;
  /** Parameter patterns that chose the subset, e.g. ['bn3/*', 'fc/*']. */
  subset: string[];
  /** Layout of each row: which layer sits where. */
  paramManifest: ParamManifest;
  /** One entry per row, in row order. */
  checkpoints: CheckpointInfo[];
  /** Statistics to normalise rows with, fitted on this zoo; null if not fitted. */
  norm: NormStats | null;
  /** The resolved config of the run that collected the zoo. */
  config: Record<string, unknown>;
  /** When the zoo was collected, ISO 8601. */
  created: string;
}

/** manifest.json as stored: the info plus what ties it to params.safetensors. */
export interface ZooManifestJson extends ZooInfo {
  formatVersion: number;
  /** Rows K of the params tensor. */
  count: number;
  /** Columns D of the params tensor; equals paramManifest.size. */
  dim: number;
  /** SHA-256 of params.safetensors, so a manifest never describes another save's parameters. */
  paramsSha256: string;
}

/** Parses and checks manifest.json; every problem is a FileFormatError naming `file`. */
export function parseZooManifest(file: string, text: string): ZooManifestJson {
  const json = JsonReader.parse(file, text);
  const formatVersion = json.integer('formatVersion');
  if (formatVersion !== ZOO_FORMAT_VERSION) {
    json.fail('formatVersion', `unsupported version ${formatVersion} (this code reads ${ZOO_FORMAT_VERSION})`);
  }
  const count = json.integer('count');
  const dim = json.integer('dim');
  const paramManifest = readParamManifest(json.object('paramManifest'));
  if (paramManifest.size !== dim) json.fail('dim', `is ${dim}, but paramManifest describes ${paramManifest.size} values`);
  const checkpoints = json.objects('checkpoints').map((c) => ({
    seed: c.integer('seed'),
    step: c.integer('step'),
    valAccuracy: c.numberOrNull('valAccuracy'),
    testAccuracy: c.numberOrNull('testAccuracy'),
  }));
  if (checkpoints.length !== count) json.fail('checkpoints', `has ${checkpoints.length} entries, count is ${count}`);
  const paramsSha256 = json.string('paramsSha256');
  if (!/^[0-9a-f]{64}$/.test(paramsSha256)) json.fail('paramsSha256', 'is not a SHA-256 hex digest');
  return {
    formatVersion,
    model: json.string('model'),
    subset: json.strings('subset'),
    count,
    dim,
    paramManifest,
    checkpoints,
    norm: json.isNull('norm') ? null : readNormStats(json.object('norm'), dim),
    config: json.record('config'),
    created: json.string('created'),
    paramsSha256,
  };
}

function readParamManifest(json: JsonReader): ParamManifest {
  const manifest = {
    entries: json.objects('entries').map((e) => ({
      name: e.string('name'),
      shape: e.integers('shape'),
      offset: e.integer('offset'),
      size: e.integer('size'),
    })),
    size: json.integer('size'),
  };
  asFileProblem(json.file, 'paramManifest', () => checkManifest(manifest));
  return manifest;
}

function readNormStats(json: JsonReader, dim: number): NormStats {
  const mode = json.string('mode');
  const mean = json.numbers('mean');
  const std = json.numbers('std');
  let stats: NormStats;
  if (mode === 'position') stats = { mode, mean, std };
  else if (mode === 'layer') stats = { mode, sizes: json.integers('sizes'), mean, std };
  else json.fail('mode', `expected one of ${normModes.join(', ')}, got "${mode}"`);
  asFileProblem(json.file, 'norm', () => checkNormStats(stats, dim));
  return stats;
}

/** Runs a check written for in-memory input and reports its InputError as a problem of `file`. */
function asFileProblem(file: string, field: string, check: () => void): void {
  try {
    check();
  } catch (err) {
    if (err instanceof InputError) throw new FileFormatError(file, `${field}: ${err.message}`);
    throw err;
  }
}
