/** Where a result came from: the code's commit (and whether the tree had uncommitted changes), the machine and the backend. */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';

export { PROVENANCE_FILE } from '../util/run-dir';

export interface Provenance {
  /** `git rev-parse HEAD` of the code that ran, or null outside a git checkout. */
  commit: string | null;
  /** Uncommitted changes to tracked files under lib/ when it ran. */
  dirty: boolean;
  backend: string;
  machine: { cpu: string | undefined; cpus: number; node: string };
  finished: string;
}

function git(args: string[], cwd: string): string | null {
  const run = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : null;
}

/** The provenance of code run from `root` (the project's checkout), now. */
export function provenance(root: string): Provenance {
  return {
    commit: git(['rev-parse', 'HEAD'], root),
    dirty: (git(['status', '--porcelain', '--untracked-files=no', '--', 'lib'], root) ?? '') !== '',
    backend: tf.getBackend(),
    machine: { cpu: os.cpus()[0]?.model, cpus: os.cpus().length, node: process.version },
    finished: new Date().toISOString(),
  };
}
