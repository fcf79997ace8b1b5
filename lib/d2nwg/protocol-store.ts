/**
 * The held-out protocol's finished parts, kept in the run directory so that a stopped run resumes
 * where it stopped: the run's choices (`protocol/selection.json`) and each held-out task's result
 * (`protocol/task-<i>.json`); `--restart` deletes them with the rest. At standard scale the protocol is most of a run (about an hour per
 * seed on one core), and without these a stop loses all of it. Each file records the fingerprint of
 * the trained stages it came from (sha-256 of their state files); a file of other stages is
 * recomputed, never reused.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write';
import { InputError } from '../util/errors';
import type { HeldOutResult } from './evaluate';
import { D2NWG_OUTPUTS } from './run-dir';
import type { D2nwgChoices } from './selection';

/** The stages whose weights decide every choice and every score. */
const FITTED_STAGES = [D2NWG_OUTPUTS.vae, D2NWG_OUTPUTS.encoder, D2NWG_OUTPUTS.conditionalState, D2NWG_OUTPUTS.unconditionalState];

interface Stored<T> {
  fitted: string;
  value: T;
}

export class ProtocolStore {
  private readonly dir: string;
  private readonly fitted: string;

  /** For the run in `outDir`, after its stages are fitted (their files are what the parts are pinned to). */
  constructor(outDir: string) {
    this.dir = path.join(outDir, D2NWG_OUTPUTS.protocol);
    this.fitted = fingerprint(FITTED_STAGES.map((name) => path.join(outDir, name)));
  }

  /** The stored choices, or `choose()`'s, stored. */
  choices(choose: () => D2nwgChoices): D2nwgChoices {
    return this.reuse('selection.json', choose);
  }

  /** Held-out task `index`'s stored result, or `evaluate()`'s, stored. */
  task(index: number, evaluate: () => HeldOutResult): HeldOutResult {
    return this.reuse(`task-${index}.json`, evaluate);
  }

  private reuse<T>(name: string, compute: () => T): T {
    const file = path.join(this.dir, name);
    const stored = read<T>(file);
    if (stored?.fitted === this.fitted) return stored.value;
    const value = compute();
    writeFileAtomic(file, `${JSON.stringify({ fitted: this.fitted, value } satisfies Stored<T>)}\n`);
    return value;
  }
}

/** The parsed file, or undefined when there is none; a torn or foreign file is an error naming it. */
function read<T>(file: string): Stored<T> | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Stored<T>;
    if (typeof parsed?.fitted !== 'string' || !('value' in parsed)) throw new Error('no fitted fingerprint and value');
    return parsed;
  } catch (err) {
    throw new InputError(`${file} is not a stored part of the held-out protocol (${(err as Error).message}); delete it to recompute`);
  }
}

function fingerprint(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    if (!fs.existsSync(file)) throw new InputError(`the held-out protocol needs the fitted stages, and ${file} is missing: fit the pipeline first`);
    hash.update(fs.readFileSync(file));
  }
  return hash.digest('hex');
}
