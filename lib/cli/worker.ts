/**
 * `npm run worker -- --queue redis://host:port --store DIR [--lock-seconds 30] [--busy-seconds 15]`:
 * takes reproduction jobs (queued by `npm run reproduce -- … --queue URL --store DIR`) one at a
 * time until stopped, each in its run directory under DIR (a directory every worker reaches; each
 * machine passes its own mount point). Ctrl-C or SIGTERM stops at once: the job in hand is queued
 * again after --lock-seconds and resumes from its directory on whichever worker takes it.
 */
import { parseArgs } from 'node:util';
import { findProjectRoot } from '../data/locate';
import { defaultWorkerOptions, startWorker } from '../reproduce/worker';
import { InputError } from '../util/errors';
import { runMain } from './main';

runMain(async () => {
  const { values } = parseArgs({
    options: {
      queue: { type: 'string' },
      store: { type: 'string' },
      'lock-seconds': { type: 'string', default: String(defaultWorkerOptions.lockSeconds) },
      'busy-seconds': { type: 'string', default: String(defaultWorkerOptions.busySeconds) },
    },
  });
  if (!values.queue || !values.store) throw new InputError('usage: npm run worker -- --queue redis://host:port --store DIR');
  const seconds = (name: 'lock-seconds' | 'busy-seconds') => {
    const value = Number(values[name]);
    if (!(value >= 1)) throw new InputError(`--${name} takes a number of seconds ≥ 1, got ${values[name]}`);
    return value;
  };
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const worker = startWorker({
    url: values.queue, store: values.store, projectRoot: findProjectRoot(),
    lockSeconds: seconds('lock-seconds'), busySeconds: seconds('busy-seconds'), onLine: log,
  });
  await worker.waitUntilReady();
  log(`worker ${process.pid} on ${values.queue}, store ${values.store}: waiting for jobs`);
  const stop = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping; the job in hand, if any, is queued again after its lock expires`);
    worker.cancelAllJobs(signal); // kills the job's process
    process.exit(130); // the directory lock is released on exit
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
});
