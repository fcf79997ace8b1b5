/**
 * The process a queue worker (./worker.ts) runs one job in: argv[2] is `{ job, scale,
 * projectRoot }` as JSON. Runs the job in its directory (resuming what it holds) under the
 * worker's directory lock, prints about ten progress lines per stage, and last `report <json>`:
 * the job's rows of the results file. Exits with BUSY_EXIT if a run directory is in use, and at
 * the next progress step if its worker died (a dead worker's job is queued again elsewhere).
 */
import * as os from 'node:os';
import { initBackend } from '../backend';
import type { ProgressFn } from '../util/progress';
import { lockRunDir, RunDirBusyError } from '../util/run-lock';
import { aggregateJobs } from './aggregate';
import { runJob } from './jobs';
import type { Job, Scale } from './plan';
import { BUSY_EXIT, type JobReport } from './queue';
import { seconds } from '../util/timing';

const worker = process.ppid;

/** Prints `<stage> <step>/<total>` about ten times per stage; leaves if the worker is gone. */
function progress(): ProgressFn {
  const printed = new Map<string, number>();
  return (stage, step, total) => {
    if (process.ppid !== worker) {
      console.error('the worker died; leaving the job to the worker that takes it over');
      process.exit(1);
    }
    const last = printed.get(stage) ?? 0;
    if (step === total || step < last || step - last >= total / 10) {
      printed.set(stage, step);
      console.log(`${stage} ${step}/${total}`);
    }
  };
}

async function main(): Promise<void> {
  const { job, scale, projectRoot } = JSON.parse(process.argv[2]) as { job: Job; scale: Scale; projectRoot: string };
  const started = performance.now();
  await initBackend();
  lockRunDir(job.outDir); // the worker's lock: ours as its child; refused if another process works there
  runJob(job, projectRoot, progress());
  const { runs, ablations } = aggregateJobs(job.paper, scale, [job]);
  const report: JobReport = { host: os.hostname(), seconds: seconds(started), runs, ablations };
  console.log(`report ${JSON.stringify(report)}`);
}

main().catch((err: Error) => {
  console.error(`error: ${err.message}`);
  process.exitCode = err instanceof RunDirBusyError ? BUSY_EXIT : 1;
});
