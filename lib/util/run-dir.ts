/**
 * A run directory (the CLI's --out): the files a resumable p-diff run keeps there, and the
 * run-level config check. `run.json` pins the directory to one config, so a re-run with another
 * config is refused before any work, naming the differing fields, instead of mixing the saved
 * states of two configs; `clearRunDir` deletes the run's state to start over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic-write';
import { configHash, differingFields } from './config-diff';
import { ConfigMismatchError, FileFormatError } from './errors';
import { JsonReader } from '../zoo/json-reader';
import { BASE_MODEL_FILE, BASE_TRAIN_STATE_FILE, ZOO_DIR } from '../zoo/collect';

export const RUN_FILE = 'run.json';
export const AUTOENCODER_STATE_FILE = 'autoencoder-state.safetensors';
export const DIFFUSION_STATE_FILE = 'diffusion-state.safetensors';
export const RESULTS_FILE = 'results.json';
export const REPORT_FILE = 'report.html';
/** D2NWG's stages: the task zoo (a directory), the VAE and its training state, the aligned encoder, both denoisers' states. */
export const D2NWG_OUTPUTS = {
  taskZoo: 'task-zoo',
  vae: 'vae.safetensors',
  vaeState: 'vae-state.safetensors',
  encoder: 'encoder.safetensors',
  conditionalState: 'diffusion-conditional-state.safetensors',
  unconditionalState: 'diffusion-unconditional-state.safetensors',
} as const;

/** Everything a run writes into its directory; ZOO_DIR is a directory of its own. */
const RUN_OUTPUTS = [
  RUN_FILE, BASE_MODEL_FILE, BASE_TRAIN_STATE_FILE, AUTOENCODER_STATE_FILE, DIFFUSION_STATE_FILE, RESULTS_FILE, REPORT_FILE,
  ...Object.values(D2NWG_OUTPUTS),
];

/**
 * Pins `outDir` to `config`: writes run.json on first use; later, refuses another config with a
 * ConfigMismatchError naming the differing fields (dotted paths).
 */
export function claimRunDir(outDir: string, config: Record<string, unknown>): void {
  const file = path.join(outDir, RUN_FILE);
  const hash = configHash(config);
  if (!fs.existsSync(file)) {
    writeFileAtomic(file, `${JSON.stringify({ configSha256: hash, config }, null, 1)}\n`);
    return;
  }
  const json = JsonReader.parse(file, readText(file));
  if (json.string('configSha256') === hash) return;
  const fields = differingFields(json.record('config'), config);
  throw new ConfigMismatchError(file, fields.length ? fields : ['(config hash)']);
}

/** Deletes the state and outputs a run left in `outDir` (only files runs write); returns what was removed. */
export function clearRunDir(outDir: string): string[] {
  if (!fs.existsSync(outDir)) return [];
  // Temporary files of writes a kill interrupted: `.<name>.<pid>.<time>.tmp`.
  const leftovers = fs.readdirSync(outDir).filter((f) => RUN_OUTPUTS.some((name) => f.startsWith(`.${name}.`) && f.endsWith('.tmp')));
  const removed = [...RUN_OUTPUTS, ZOO_DIR, ...leftovers].filter((f) => fs.existsSync(path.join(outDir, f)));
  for (const f of removed) fs.rmSync(path.join(outDir, f), { recursive: true, force: true });
  return removed;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new FileFormatError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
