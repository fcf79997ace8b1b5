/**
 * A run directory (the CLI's --out): the files every run keeps there, and the run-level config
 * check. `run.json` pins the directory to one config, so a re-run with another config is refused
 * before any work, naming the differing fields, instead of mixing the saved states of two configs;
 * `clearRunDir` deletes a run's files to start over. Which other files a run writes is the
 * experiment's business: it passes their names. Claiming a directory also takes its lock
 * (./run-lock.ts): one process writes in a run directory at a time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic-write';
import { withDefaults } from './config-defaults';
import { configHash, differingFields } from './config-diff';
import { ConfigMismatchError, FileFormatError, InputError } from './errors';
import { lockRunDir } from './run-lock';
import { JsonReader } from '../zoo/json-reader';

export const RUN_FILE = 'run.json';
export const RESULTS_FILE = 'results.json';
export const REPORT_FILE = 'report.html';
/** The commit, backend and machine that produced results.json (lib/reproduce/provenance.ts). */
export const PROVENANCE_FILE = 'provenance.json';
/** What every run writes, whatever the experiment. */
const COMMON_OUTPUTS = [RUN_FILE, RESULTS_FILE, REPORT_FILE, PROVENANCE_FILE];

// p-diff's state files, still here because test/kill-resume.test.ts imports them from here;
// their home is lib/pdiff/run-dir.ts, and nothing below uses them.
export const AUTOENCODER_STATE_FILE = 'autoencoder-state.safetensors';
export const DIFFUSION_STATE_FILE = 'diffusion-state.safetensors';

export interface ClaimOptions {
  /**
   * The current code's full config of the same preset and seed: fields a saved config lacks
   * (added to the code after it was saved) are read as these values before comparing.
   */
  defaults?: Record<string, unknown>;
}

/**
 * Pins `outDir` to `config`: writes run.json on first use; later, accepts the same config (its
 * saved fields, missing ones filled from `options.defaults`, equal to `config`'s; run.json is then
 * rewritten with `config`, so the next check is a hash comparison) and refuses another with a
 * ConfigMismatchError naming the differing fields (dotted paths). Then takes the directory's lock
 * until the process exits (RunDirBusyError, naming the holder, if another live process has it).
 */
export function claimRunDir(outDir: string, config: Record<string, unknown>, options: ClaimOptions = {}): void {
  const file = path.join(outDir, RUN_FILE);
  const hash = configHash(config);
  const write = () => writeFileAtomic(file, `${JSON.stringify({ configSha256: hash, config }, null, 1)}\n`);
  if (fs.existsSync(file)) {
    const json = JsonReader.parse(file, readText(file));
    if (json.string('configSha256') === hash) return void lockRunDir(outDir);
    const saved = json.record('config');
    const fields = differingFields(options.defaults ? withDefaults(saved, options.defaults) : saved, config);
    if (fields.length) throw new ConfigMismatchError(file, fields);
  }
  lockRunDir(outDir);
  write();
}

/**
 * Deletes what a run left in `outDir`: run.json, results.json, report.html, the files and
 * directories named in `outputs` (plain names inside `outDir`), and the temporary files of writes
 * a kill interrupted. Nothing else is touched; returns the names removed.
 */
export function clearRunDir(outDir: string, outputs: readonly string[]): string[] {
  const bad = outputs.find((name) => !name || name === '.' || name === '..' || path.basename(name) !== name);
  if (bad !== undefined) throw new InputError(`clearRunDir: ${JSON.stringify(bad)} is not a plain file name inside the run directory`);
  if (!fs.existsSync(outDir)) return [];
  const names = [...COMMON_OUTPUTS, ...outputs];
  // Temporary files of writes a kill interrupted: `.<name>.<pid>.<time>.tmp`.
  const leftovers = fs.readdirSync(outDir).filter((f) => names.some((name) => f.startsWith(`.${name}.`) && f.endsWith('.tmp')));
  const removed = [...new Set([...names, ...leftovers])].filter((f) => fs.existsSync(path.join(outDir, f)));
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
