/**
 * Chooses the tfjs backend once, before any tensor exists: tfjs-node-gpu, tfjs-node
 * (both register 'tensorflow'; optional peers a user with CUDA installs), then native (wasm with
 * OpenBLAS products and convolutions, when its addon is built), then wasm, then cpu.
 * PARAMDIFF_BACKEND=tensorflow|native|wasm|cpu forces one; a forced backend that cannot load is an
 * error that says why, never a silent fallback. The only place in the library that knows backends.
 */
import * as tf from '@tensorflow/tfjs';
import { describeNativeAddon, loadNativeAddon } from './native-addon';
import { NATIVE_BACKEND, registerNativeBackend } from './native-backend';
import { registerWasmMatMul } from './wasm-matmul';
import { registerWasmTrainingKernels } from './wasm-training-kernels';

export type BackendName = 'tensorflow' | 'native' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'native', 'wasm', 'cpu'];

export interface BackendInfo {
  /** The active tfjs backend. */
  name: BackendName;
  /** The package that provides it, e.g. '@tensorflow/tfjs-backend-wasm'. */
  provider: string;
  /** What runs it, where that matters, e.g. 'OpenBLAS 0.3.21 for SkylakeX, 2 threads' for native. */
  detail?: string;
  /** Candidates tried before it and why each was skipped. */
  skipped: { provider: string; reason: string }[];
}

interface Candidate {
  name: BackendName;
  provider: string;
  /** Loads the package so it registers its backend; throws if it cannot. Returns the detail, if any. */
  load: () => string | void;
}

/** The wasm backend with the training kernels paramdiff adds to it (idempotent). */
function loadWasm(): void {
  require('@tensorflow/tfjs-backend-wasm');
  registerWasmTrainingKernels();
  registerWasmMatMul();
}

const CANDIDATES: Candidate[] = [
  { name: 'tensorflow', provider: '@tensorflow/tfjs-node-gpu', load: () => require('@tensorflow/tfjs-node-gpu') },
  { name: 'tensorflow', provider: '@tensorflow/tfjs-node', load: () => require('@tensorflow/tfjs-node') },
  {
    name: NATIVE_BACKEND,
    provider: 'paramdiff native addon',
    load: () => {
      const addon = loadNativeAddon();
      loadWasm(); // first: native copies every wasm kernel registered by then
      registerNativeBackend(addon);
      return describeNativeAddon(addon);
    },
  },
  { name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', load: loadWasm },
  { name: 'cpu', provider: '@tensorflow/tfjs-backend-cpu', load: () => undefined },
];

let active: Promise<BackendInfo> | undefined;

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0];
}

/** The backend forced through PARAMDIFF_BACKEND, if any (validated). */
export function forcedBackend(env: NodeJS.ProcessEnv = process.env): BackendName | undefined {
  const value = env.PARAMDIFF_BACKEND?.trim();
  if (!value) return undefined;
  if (!(BACKEND_NAMES as readonly string[]).includes(value)) {
    throw new Error(`PARAMDIFF_BACKEND=${value} is not a backend; use one of ${BACKEND_NAMES.join(', ')}`);
  }
  return value as BackendName;
}

/**
 * The environment of a child process that is to run tfjs as this one does: PARAMDIFF_BACKEND
 * names the active backend, and the native kernels get `nativeThreads` threads (processes that
 * share the cores each take their part of them).
 */
export function childBackendEnv(nativeThreads: number): NodeJS.ProcessEnv {
  const name = tf.getBackend();
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) throw new Error(`a child process cannot be asked for the ${name} backend (PARAMDIFF_BACKEND takes ${BACKEND_NAMES.join(', ')})`);
  return { ...process.env, PARAMDIFF_BACKEND: name, PARAMDIFF_NATIVE_THREADS: String(nativeThreads) };
}

async function activate(candidate: Candidate): Promise<string | undefined> {
  const detail = candidate.load();
  const ok = await tf.setBackend(candidate.name);
  if (!ok) throw new Error(`tf.setBackend('${candidate.name}') failed to initialise`);
  await tf.ready();
  return detail ?? undefined;
}

async function choose(force: BackendName | undefined): Promise<BackendInfo> {
  const skipped: BackendInfo['skipped'] = [];
  for (const candidate of CANDIDATES) {
    if (force && candidate.name !== force) continue;
    try {
      const detail = await activate(candidate);
      return { name: candidate.name, provider: candidate.provider, ...(detail ? { detail } : {}), skipped };
    } catch (err) {
      skipped.push({ provider: candidate.provider, reason: errorText(err) });
    }
  }
  const tried = skipped.map((s) => `${s.provider}: ${s.reason}`).join('; ');
  throw new Error(force
    ? `PARAMDIFF_BACKEND=${force} was requested but cannot load (${tried})`
    : `no tfjs backend could be loaded (${tried})`);
}

/**
 * Registers a backend with tfjs without making it active, to compare backends in one process
 * (parity tests, benchmarks); returns its detail, if any. Throws why it cannot load.
 */
export function loadBackend(name: BackendName): string | undefined {
  const reasons: string[] = [];
  for (const candidate of CANDIDATES.filter((c) => c.name === name)) {
    try {
      return candidate.load() ?? undefined;
    } catch (err) {
      reasons.push(`${candidate.provider}: ${errorText(err)}`);
    }
  }
  throw new Error(`backend ${name} cannot load (${reasons.join('; ')})`);
}

/**
 * Initialises the backend (once per process; later calls return the same result).
 * `force` overrides PARAMDIFF_BACKEND.
 */
export function initBackend(options: { force?: BackendName } = {}): Promise<BackendInfo> {
  if (!active) {
    const force = options.force ?? forcedBackend();
    // engine().state, unlike tf.memory(), does not initialise a backend as a side effect.
    if (tf.engine().state.numTensors > 0) {
      throw new Error('initBackend must run before any tensor is created (tensors would live on another backend)');
    }
    active = choose(force);
    active.catch(() => { active = undefined; });
  }
  return active;
}

/** One line for logs and results: which backend runs and what was skipped. */
export function describeBackend(info: BackendInfo): string {
  const skipped = info.skipped.map((s) => `${s.provider} (${s.reason})`).join(', ');
  const detail = info.detail ? ` (${info.detail})` : '';
  return `tfjs backend: ${info.name} via ${info.provider}${detail}${skipped ? `; skipped ${skipped}` : ''}`;
}
