/**
 * A queue worker (`npm run worker`): takes reproduction jobs from the BullMQ queue one at a time
 * (native training uses every core) and runs each in a child process (./job-child.ts) in the job's
 * run directory under the store. The worker itself stays idle, so its event loop renews the job's
 * lock in Redis and beats the directory lock's heartbeat while the child trains; the child works
 * under the worker's directory lock. A worker that dies stops renewing: after `lockSeconds` another
 * worker's stalled-job check queues the job again, and whoever takes it finds the dead worker's
 * directory lock stale, takes it over and resumes from what the job saved. A job whose directory is
 * in use by a live process waits (`busySeconds`, no attempt spent); a failure is retried with
 * backoff (queue.ts).
 */
import { spawn } from 'node:child_process';
import * as readline from 'node:readline';
import { DelayedError, Worker, type Job as BullJob } from 'bullmq';
import { childScriptArgs } from '../util/child-script';
import { LOCK_HOLDER_ENV, lockRunDir, RunDirBusyError } from '../util/run-lock';
import type { Job } from './plan';
import { BUSY_EXIT, connection, fromQueued, QUEUE_NAME, type JobReport, type QueuedJob } from './queue';

export interface WorkerOptions {
  url: string;
  /** Where the run directories are, on this machine. */
  store: string;
  /** The checkout whose commit the results record. */
  projectRoot: string;
  /** A job's lock in Redis lasts this long unrenewed: a dead worker's job is queued again after about 1.5 times this. */
  lockSeconds: number;
  /** A job whose run directory is in use waits this long before it is tried again. */
  busySeconds: number;
  /** Hears the worker's log: each job's progress lines and what happened to it. */
  onLine?: (line: string) => void;
}

export const defaultWorkerOptions = { lockSeconds: 30, busySeconds: 15 };

export function startWorker(options: WorkerOptions): Worker<QueuedJob, JobReport> {
  const worker = new Worker<QueuedJob, JobReport>(QUEUE_NAME, (job, token, signal) => processJob(job, token, signal, options), {
    connection: connection(options.url),
    concurrency: 1,
    lockDuration: options.lockSeconds * 1000,
    stalledInterval: options.lockSeconds * 500,
    maxStalledCount: 3,
  });
  const say = options.onLine ?? (() => {});
  worker.on('error', (err) => say(`queue error: ${err.message}`));
  // Another worker may have the job by now: stop training it here.
  worker.on('lockRenewalFailed', (ids) => { for (const id of ids) worker.cancelJob(id, 'lost the job lock'); });
  worker.on('completed', (job) => say(`${job.id}: done`));
  worker.on('failed', (job, err) => { if (!(err instanceof DelayedError)) say(`${job?.id}: attempt ${job?.attemptsMade} failed: ${err.message}`); });
  return worker;
}

async function processJob(bull: BullJob<QueuedJob, JobReport>, token: string | undefined, signal: AbortSignal | undefined, options: WorkerOptions): Promise<JobReport> {
  const job = fromQueued(bull.data, options.store);
  let lock;
  try {
    lock = lockRunDir(job.outDir, { heartbeatSeconds: Math.max(1, Math.round(options.lockSeconds / 3)) });
  } catch (err) {
    if (err instanceof RunDirBusyError) return wait(bull, token, options, err.message);
    throw err;
  }
  try {
    const restarts = bull.attemptsStarted > bull.attemptsMade + 1 ? `, start ${bull.attemptsStarted}` : '';
    options.onLine?.(`${bull.id}: running in ${job.outDir} (attempt ${bull.attemptsMade + 1}${restarts})`);
    const run = await runChild(bull, job, signal, options);
    if (run.code === BUSY_EXIT) return wait(bull, token, options, run.stderr.trim());
    if (run.code !== 0 || !run.report) {
      const how = run.signal ? `was killed (${run.signal})` : `exited with code ${run.code}`;
      throw new Error(`the job's process ${how}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
    return run.report;
  } finally {
    lock.release();
  }
}

/**
 * Puts the job back for later without spending an attempt: its directory is in use (by a live
 * process, or by a crashed one on another machine: the message says which lock to delete then).
 */
async function wait(bull: BullJob<QueuedJob, JobReport>, token: string | undefined, options: WorkerOptions, why: string): Promise<never> {
  options.onLine?.(`${bull.id}: busy, tried again in ${options.busySeconds} s: ${why}`);
  await bull.moveToDelayed(Date.now() + options.busySeconds * 1000, token);
  throw new DelayedError(why);
}

interface ChildRun { code: number | null; signal: NodeJS.Signals | null; stderr: string; report?: JobReport }

function runChild(bull: BullJob<QueuedJob, JobReport>, job: Job, signal: AbortSignal | undefined, options: WorkerOptions): Promise<ChildRun> {
  const args = [...childScriptArgs(__filename, 'job-child'), JSON.stringify({ job, scale: bull.data.scale, projectRoot: options.projectRoot })];
  const child = spawn(process.execPath, args, { env: { ...process.env, [LOCK_HOLDER_ENV]: String(process.pid) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort);
  const result: ChildRun = { code: null, signal: null, stderr: '' };
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('report ')) result.report = JSON.parse(line.slice('report '.length)) as JobReport;
    else {
      options.onLine?.(`${bull.id}: ${line}`);
      bull.updateProgress({ line }).catch(() => {});
    }
  });
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    result.stderr = `${result.stderr}${line}\n`.slice(-4000);
    options.onLine?.(`${bull.id}: ${line}`);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      resolve({ ...result, code, signal: sig });
    });
  });
}
