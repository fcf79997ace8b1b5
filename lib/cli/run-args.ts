/**
 * The arguments every experiment CLI takes: --preset, --seed, --out, --restart, --set path=value
 * (repeatable), and --zoo trajectory|seeds (short for --set zoo=…, before the other sets).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../util/errors';
import { clearRunDir } from '../util/run-dir';
import { lockRunDir } from '../util/run-lock';

export interface RunArgs {
  preset: string;
  seed: number;
  /** The output directory as given, if any. */
  out?: string;
  restart: boolean;
  /** Config overrides `path=value`, in the order given; see lib/util/config-override.ts. */
  sets: string[];
}

/** Parses `argv` (default: the process's arguments). */
export function parseRunArgs(argv: string[] = process.argv.slice(2)): RunArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      preset: { type: 'string', default: 'quick' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string' },
      restart: { type: 'boolean', default: false },
      set: { type: 'string', multiple: true, default: [] },
      zoo: { type: 'string' },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed takes a non-negative integer, got ${values.seed}`);
  const zoo = values.zoo === undefined ? [] : [`zoo=${JSON.stringify(values.zoo)}`];
  return { preset: values.preset, seed, out: values.out, restart: values.restart, sets: [...zoo, ...values.set] };
}

/**
 * --out, or runs/<experiment>-<preset>-seed<seed>; refused if it (or a parent) is an existing file.
 * With --restart, `outputs` (the files and directories the run writes there) are deleted first,
 * with run.json, results.json and report.html.
 */
export function prepareOutDir(args: RunArgs, experiment: string, preset: string, outputs: readonly string[]): string {
  const out = path.resolve(args.out ?? path.join('runs', `${experiment}-${preset}-seed${args.seed}`));
  const blocker = nearestExisting(out);
  if (!fs.statSync(blocker).isDirectory()) {
    throw new InputError(`--out ${out}: ${blocker === out ? 'it' : blocker} is an existing file, not a directory; name a directory`);
  }
  if (args.restart) {
    lockRunDir(out); // never delete the files of a run another process is working on
    const removed = clearRunDir(out, outputs);
    if (removed.length) console.log(`--restart: deleted ${removed.join(', ')} in ${out}`);
  }
  return out;
}

/** `dir` or its nearest ancestor that exists. */
function nearestExisting(dir: string): string {
  let at = dir;
  while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}
