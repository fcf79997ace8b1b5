/** The arguments every experiment CLI takes: --preset, --seed, --out, --restart. */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { clearRunDir } from '../util/run-dir';

export interface RunArgs {
  preset: string;
  seed: number;
  /** The output directory as given, if any. */
  out?: string;
  restart: boolean;
}

export function parseRunArgs(): RunArgs {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'quick' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string' },
      restart: { type: 'boolean', default: false },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed takes a non-negative integer, got ${values.seed}`);
  return { preset: values.preset, seed, out: values.out, restart: values.restart };
}

/** --out, or runs/<experiment>-<preset>-seed<seed>; with --restart, the run's files there are deleted first. */
export function prepareOutDir(args: RunArgs, experiment: string, preset: string): string {
  const out = path.resolve(args.out ?? path.join('runs', `${experiment}-${preset}-seed${args.seed}`));
  if (args.restart) {
    const removed = clearRunDir(out);
    if (removed.length) console.log(`--restart: deleted ${removed.join(', ')} in ${out}`);
  }
  return out;
}
