/**
 * Fuzz cases in a worker thread, so that a case that never ends (a hang) is stopped: the worker
 * is terminated after `timeoutMs` and the error names the case it was in.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { defaultFuzzOptions, type FuzzOptions, type FuzzSummary } from './run-cases';

export function fuzzInWorker(options: Partial<FuzzOptions> & Pick<FuzzOptions, 'target' | 'cases'>, timeoutMs: number): Promise<FuzzSummary> {
  const workerData: FuzzOptions = { ...defaultFuzzOptions, ...options };
  const entry = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(path.join(__dirname, 'worker.ts'))});`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry, { eval: true, workerData });
    let current = -1;
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`${workerData.target}: no result after ${timeoutMs} ms; case ${current} (seed ${workerData.seed}) was running`));
    }, timeoutMs);
    worker.on('message', (m: { started?: number; summary?: FuzzSummary }) => {
      if (m.started !== undefined) current = m.started;
      if (m.summary) {
        clearTimeout(timer);
        resolve(m.summary);
      }
    });
    worker.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
