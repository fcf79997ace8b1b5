/**
 * Independent members trained in several child processes side by side (./member-worker.ts),
 * each on one native thread: on P cores, P models train at once, each exactly as it trains alone
 * (its own seed, its own process), so the results are those of training them one after another.
 * Process p takes members p, p + P, p + 2P, … (a static split: every member costs the same); the
 * results come back in seed order. With one process the members train in this one, as before.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { childBackendEnv } from '../backend';
import type { ImageDataset } from '../data/dataset';
import type { ModelSpec } from '../models/registry';
import type { TrainConfig } from '../models/train';
import { childScript } from '../util/child-script';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { trainIndependentMembers, type IndependentMembers } from './deep-ensemble';

/** How the members are spread over the machine. */
export interface MemberParallelism {
  /** Members trained together in one process, each op once for all (1: one after another). */
  modelsAtOnce: number;
  /** Processes training members side by side, each on one native thread (1: all in this process). */
  processes: number;
}

export const defaultMemberParallelism: MemberParallelism = { modelsAtOnce: 1, processes: 1 };

/** What one child trains: `trainIndependentMembers`'s arguments, sent whole by IPC. */
export interface MemberShare<S extends string> {
  train: ImageDataset;
  model: ModelSpec;
  config: TrainConfig;
  seeds: number[];
  evaluate: Record<S, ImageDataset>;
  modelsAtOnce: number;
  /** The progress stage's label, naming the process, e.g. 'process 2/4: model'. */
  label: string;
}

/** What a child sends back: progress at the training's log steps, then its members or its error. */
export type MemberMessage<S extends string> =
  | { kind: 'progress'; stage: string; step: number; total: number; metrics: Record<string, number> }
  | { kind: 'members'; members: IndependentMembers<S> }
  | { kind: 'error'; message: string };

/** Characters of a child's stderr kept for the error that reports its death. */
const STDERR_TAIL_CHARS = 2000;

/**
 * `trainIndependentMembers` over `parallelism.processes` processes (at most one per member).
 * `evaluateSeconds` is the sum over the processes. A child that throws or dies rejects with an
 * error naming it and its seeds, and the other children are stopped; so are they all if this
 * process exits first.
 */
export async function trainMembersInProcesses<S extends string>(
  train: ImageDataset, model: ModelSpec, config: TrainConfig, seeds: readonly number[], evaluate: Record<S, ImageDataset>,
  progress?: { label: string; onProgress: ProgressFn }, parallelism: MemberParallelism = defaultMemberParallelism,
): Promise<IndependentMembers<S>> {
  const { processes, modelsAtOnce } = parallelism;
  if (!(Number.isInteger(processes) && processes >= 1)) throw new InputError(`processes must be an integer ≥ 1, got ${processes}`);
  const count = Math.min(processes, seeds.length);
  if (count <= 1) return trainIndependentMembers(train, model, config, seeds, evaluate, progress, modelsAtOnce);
  const env = childBackendEnv(1);
  const label = progress?.label ?? 'model';
  const compactSets = Object.fromEntries(Object.entries<ImageDataset>(evaluate).map(([s, ds]) => [s, compact(ds)])) as Record<S, ImageDataset>;
  const data = { train: compact(train), evaluate: compactSets };
  const shares = Array.from({ length: count }, (_, p): MemberShare<S> => ({
    ...data, model, config, modelsAtOnce,
    seeds: seeds.filter((_, i) => i % count === p), label: `process ${p + 1}/${count}: ${label}`,
  }));
  const children = shares.map((share, p) =>
    startChild(share, `training process ${p + 1}/${count} (seeds ${share.seeds.join(', ')})`, env, progress?.onProgress));
  const stopAll = () => children.forEach(({ child }) => child.kill());
  process.once('exit', stopAll);
  try {
    return interleave(await Promise.all(children.map((c) => c.result)), Object.keys(evaluate) as S[]);
  } catch (err) {
    stopAll();
    await Promise.allSettled(children.map((c) => c.result));
    throw err;
  } finally {
    process.off('exit', stopAll);
  }
}

/**
 * The dataset with arrays that own their buffers: IPC sends a typed array's whole buffer, and a
 * split is often a view into a larger one.
 */
function compact(ds: ImageDataset): ImageDataset {
  const own = <T extends Float32Array | Int32Array>(a: T): T => (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : (a.slice() as T));
  return { ...ds, images: own(ds.images), labels: own(ds.labels) };
}

/** Forks a worker for `share`; `result` settles when it has closed. */
function startChild<S extends string>(
  share: MemberShare<S>, name: string, env: NodeJS.ProcessEnv, onProgress?: ProgressFn,
): { child: ChildProcess; result: Promise<IndependentMembers<S>> } {
  const { file, nodeArgs } = childScript(__filename, 'member-worker');
  // 'advanced': the structured clone, typed arrays sent as bytes rather than JSON.
  const child = fork(file, [], { execArgv: [...process.execArgv, ...nodeArgs], env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  let failure: string | undefined;
  child.stderr!.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL_CHARS);
  });
  const result = new Promise<IndependentMembers<S>>((resolve, reject) => {
    let members: IndependentMembers<S> | undefined;
    child.on('message', (m: MemberMessage<S>) => {
      if (m.kind === 'progress') onProgress?.(m.stage, m.step, m.total, m.metrics);
      else if (m.kind === 'members') members = m.members;
      else failure = m.message;
    });
    child.on('error', (err) => { failure ??= err.message; });
    child.on('close', (code, signal) => {
      if (members && code === 0) return resolve(members);
      const how = failure ?? (signal ? `was killed (${signal})` : `exited with code ${code} before sending its members`);
      const tail = failure || !stderr.trim() ? '' : `; its last output: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
      reject(new Error(`${name} failed: ${how}${tail}`));
    });
  });
  child.send(share, (err) => { if (err) failure ??= `could not be sent its share: ${err.message}`; });
  return { child, result };
}

/** The processes' members (process p holds members p, p + P, …) back in seed order. */
function interleave<S extends string>(shares: IndependentMembers<S>[], sets: S[]): IndependentMembers<S> {
  const order = shares.flatMap((share, p) => share.steps.map((_, j) => ({ index: p + j * shares.length, p, j })))
    .sort((a, b) => a.index - b.index);
  const pick = <T>(of: (share: IndependentMembers<S>) => T[]) => order.map(({ p, j }) => of(shares[p])[j]);
  return {
    probabilities: Object.fromEntries(sets.map((s) => [s, pick((share) => share.probabilities[s])])) as Record<S, Float32Array[]>,
    trainSeconds: pick((share) => share.trainSeconds),
    steps: pick((share) => share.steps),
    evaluateSeconds: shares.reduce((sum, share) => sum + share.evaluateSeconds, 0),
  };
}
