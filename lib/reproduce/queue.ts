/**
 * A reproduction's jobs on a BullMQ queue (Redis), for workers on any number of machines
 * (./worker.ts). Run directories live in a store every worker reaches (a shared directory): a
 * queued job names its directory relative to the store, so each machine may mount it elsewhere.
 * Job ids are stable names (paper, preset, seed, part): enqueueing a plan again adds only what is
 * not already queued, running or done. Each job gets retries with exponential backoff; a job whose
 * worker dies is re-queued by BullMQ's stalled-job check and resumes from its directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Queue, QueueEvents, type ConnectionOptions, type Job as BullJob, type JobsOptions } from 'bullmq';
import type { ResultsFile } from './aggregate';
import { jobResultsFile } from './jobs';
import type { Job, Scale } from './plan';

export const QUEUE_NAME = 'paramdiff-reproduce';

/** Retries of a failing job: 4 attempts, 10 s, 20 s, 40 s apart; jobs stay in Redis once finished (they are small). */
export const JOB_OPTIONS: JobsOptions = { attempts: 4, backoff: { type: 'exponential', delay: 10_000 }, removeOnComplete: false, removeOnFail: false };

/** A planned job as it travels: its run directory relative to the store. */
export interface QueuedJob extends Omit<Job, 'outDir'> {
  scale: Scale;
  dir: string;
}

/** What a finished job sends back through the queue: its rows of the results file (one seed each), and where it ran. */
export interface JobReport {
  host: string;
  seconds: number;
  runs: ResultsFile['runs'];
  ablations: ResultsFile['ablations'];
}

/** The exit code of a job's process that found a run directory in use (EX_TEMPFAIL): the job waits, no attempt spent. */
export const BUSY_EXIT = 75;

/** `redis://host:port` as BullMQ connection options. */
export const connection = (url: string): ConnectionOptions => ({ url });

/** e.g. `pdiff.smoke-epochs.seed2.main` (BullMQ ids may not contain ':'). */
export const jobId = (job: Omit<Job, 'outDir'>): string => `${job.paper}.${job.preset}.seed${job.seed}.${job.part.replace(':', '-')}`;

export function toQueued(job: Job, scale: Scale, store: string): QueuedJob {
  const dir = path.relative(path.resolve(store), job.outDir);
  if (dir.startsWith('..') || path.isAbsolute(dir)) throw new Error(`${job.outDir} is not inside the store ${store}`);
  const { outDir: _outDir, ...rest } = job;
  return { ...rest, scale, dir };
}

export function fromQueued(data: QueuedJob, store: string): Job {
  const { scale: _scale, dir, ...rest } = data;
  return { ...rest, outDir: path.resolve(store, dir) };
}

export interface QueueRunOptions {
  url: string;
  store: string;
  /** Hears what happens to the jobs (queued, started, stalled, retried, finished). */
  onEvent?: (line: string) => void;
}

/**
 * Queues `jobs` (planned under `store`) and waits until each has finished; returns each job's
 * report by id. A job finished earlier is taken as it is if its results are in the store, and run
 * again otherwise; a job that failed for good earlier is retried. Throws, after all have settled,
 * if any job failed all its attempts.
 */
export async function runOnQueue(jobs: readonly Job[], scale: Scale, options: QueueRunOptions): Promise<Map<string, JobReport>> {
  const say = options.onEvent ?? (() => {});
  const queue = new Queue<QueuedJob, JobReport>(QUEUE_NAME, { connection: connection(options.url) });
  const events = new QueueEvents(QUEUE_NAME, { connection: connection(options.url) });
  try {
    queue.on('error', (err) => say(`queue error: ${err.message}`));
    events.on('error', (err) => say(`queue events error: ${err.message}`));
    await events.waitUntilReady();
    events.on('active', ({ jobId: id, prev }) => say(`${id}: started${prev === 'waiting' ? '' : ` (was ${prev})`}`));
    events.on('stalled', ({ jobId: id }) => say(`${id}: stalled (its worker stopped renewing the job's lock); queued again`));
    events.on('completed', ({ jobId: id }) => say(`${id}: done`));
    events.on('delayed', ({ jobId: id, delay }) => say(`${id}: waits until ${new Date(Number(delay)).toISOString()} (retry or busy directory)`));
    const queued = await Promise.all(jobs.map((job) => enqueue(queue, job, scale, options.store, say)));
    say(`${jobs.length} jobs on ${options.url}; waiting for workers (npm run worker -- --queue ${options.url} --store DIR)`);
    const settled = await Promise.allSettled(queued.map((j) => j.waitUntilFinished(events)));
    const reports = new Map<string, JobReport>();
    const failed: string[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') reports.set(queued[i].id!, s.value);
      else failed.push(`${queued[i].id}: ${(s.reason as Error).message}`);
    });
    if (failed.length) throw new Error(`${failed.length} of ${jobs.length} jobs failed all their attempts:\n  ${failed.join('\n  ')}`);
    return reports;
  } finally {
    await events.close();
    await queue.close();
  }
}

async function enqueue(queue: Queue<QueuedJob, JobReport>, job: Job, scale: Scale, store: string, say: (line: string) => void): Promise<BullJob<QueuedJob, JobReport>> {
  const id = jobId(job);
  const data = toQueued(job, scale, store);
  const existing = await queue.getJob(id);
  const state = await existing?.getState();
  if (existing && state === 'completed' && fs.existsSync(jobResultsFile(job))) {
    say(`${id}: finished earlier`);
    return existing;
  }
  if (existing && state === 'failed') {
    await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    say(`${id}: failed earlier; queued again`);
    return existing;
  }
  if (existing && state !== 'completed' && state !== 'unknown') {
    say(`${id}: already queued (${state})`);
    return existing;
  }
  if (existing) await existing.remove(); // finished for another store (or half there): run it for this one
  say(`${id}: queued`);
  return queue.add(id, data, { ...JOB_OPTIONS, jobId: id });
}
