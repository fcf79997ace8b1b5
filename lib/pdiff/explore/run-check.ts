/**
 * Is a directory a finished p-diff run? Reads its config (run.json, defaults filled from the preset
 * of the same name) and results, or throws an InputError naming what is missing or what the
 * directory is instead (a D2NWG or BEND run, an unfinished run).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { D2NWG_OUTPUTS } from '../../d2nwg/run-dir';
import { withDefaults } from '../../util/config-defaults';
import { InputError } from '../../util/errors';
import { RESULTS_FILE, RUN_FILE } from '../../util/run-dir';
import { ZOO_DIR } from '../../zoo/collect';
import { presets, type PdiffConfig } from '../config';
import type { PdiffResults } from '../results';
import { AUTOENCODER_STATE_FILE, DIFFUSION_STATE_FILE } from '../run-dir';

export interface FinishedRun {
  config: PdiffConfig;
  results: PdiffResults;
}

function readJson(file: string): Record<string, unknown> {
  try {
    const json: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (json && typeof json === 'object' && !Array.isArray(json)) return json as Record<string, unknown>;
  } catch (err) {
    throw new InputError(`${file} cannot be read as JSON (${(err as Error).message})`);
  }
  throw new InputError(`${file} does not hold a JSON object`);
}

/** The config and results of the finished p-diff run in `dir`. */
export function readFinishedRun(dir: string): FinishedRun {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputError(`${dir} is not a directory`);
  const has = (name: string) => fs.existsSync(path.join(dir, name));
  const d2nwg = Object.values(D2NWG_OUTPUTS).filter(has);
  if (d2nwg.length) {
    throw new InputError(`${dir} is a D2NWG run (it holds ${d2nwg.join(', ')}); explore takes a p-diff run directory (npm run pdiff -- --out DIR)`);
  }
  if (!has(RUN_FILE)) throw new InputError(`${dir} is not a p-diff run: it has no ${RUN_FILE} (written when npm run pdiff starts)`);
  if (!has(RESULTS_FILE)) {
    throw new InputError(`${dir} is not a finished p-diff run: it has no ${RESULTS_FILE} (written when the run ends); re-run the same npm run pdiff command to finish it`);
  }
  const results = readJson(path.join(dir, RESULTS_FILE));
  if (results.experiment !== 'pdiff') {
    throw new InputError(`${dir} holds a ${String(results.experiment ?? 'unknown')} run (${RESULTS_FILE} says experiment ${JSON.stringify(results.experiment)}); explore takes a p-diff run`);
  }
  const missing = [AUTOENCODER_STATE_FILE, DIFFUSION_STATE_FILE, ZOO_DIR].filter((name) => !has(name));
  if (missing.length) throw new InputError(`${dir} lacks the trained parts of its p-diff run: no ${missing.join(', ')}`);
  const saved = readJson(path.join(dir, RUN_FILE)).config;
  if (!saved || typeof saved !== 'object') throw new InputError(`${path.join(dir, RUN_FILE)} has no config`);
  const record = saved as Record<string, unknown>;
  const preset = presets[String(record.preset)];
  const config = (preset ? withDefaults(record, { ...preset, seed: record.seed }) : record) as unknown as PdiffConfig;
  if (config.collect?.model?.kind === 'own') {
    throw new InputError(`${dir} was run with the user's own model ${config.collect.model.name}; explore rebuilds only the built-in task models`);
  }
  return { config, results: results as unknown as PdiffResults };
}
