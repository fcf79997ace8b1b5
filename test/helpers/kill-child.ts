// Child process of the kill test: the small p-diff run of ./resumable-run as the CLI runs it (the whole run
// resumable in the --out directory given as argv[2], results.json written atomically), printing
// every progress event as "<stage> <step>/<total>" so the parent can SIGKILL it at a chosen
// point. The network is blocked first: a run must not touch it unless asked to download.
import dns = require('node:dns');
import net = require('node:net');
import * as path from 'node:path';
import { initBackend } from '../../lib/backend';
import { run } from '../../lib/pdiff/run';
import { RESULTS_FILE } from '../../lib/util/run-dir';
import { writeFileAtomic } from '../../lib/util/atomic-write';
import { runConfig, runData } from './resumable-run';

function blockNetwork(): void {
  const refuse = (what: string) => () => {
    throw new Error(`network access (${what}) during a run`);
  };
  net.Socket.prototype.connect = refuse('socket connect');
  dns.lookup = refuse('dns lookup') as unknown as typeof dns.lookup;
  globalThis.fetch = refuse('fetch');
}

async function main(): Promise<void> {
  blockNetwork();
  const out = process.argv[2];
  await initBackend();
  const results = run(runConfig, runData(), { outDir: out, onProgress: (stage, step, total) => console.log(`${stage} ${step}/${total}`) });
  writeFileAtomic(path.join(out, RESULTS_FILE), `${JSON.stringify(results, null, 1)}\n`);
  console.log('done');
}

main().catch((err: Error) => {
  console.error(`error: ${err.message}`);
  process.exitCode = 1;
});
