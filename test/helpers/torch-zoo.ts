/** The PyTorch side of the zoo tests: the peer's seed zoo (cached) and torch-eval.py. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REFERENCE_PYTHON } from '../../lib/bench/reference';
import type { ImageDataset } from '../../lib/data/dataset';
import { findProjectRoot } from '../../lib/data/locate';
import { writeSafetensors } from '../../lib/zoo/safetensors';

/** $PEER_SEED_ZOO, else ../shared/bench/peer_seed_zoo.py beside the project. */
export const PEER_SEED_ZOO = process.env.PEER_SEED_ZOO ?? path.join(findProjectRoot(), '..', 'shared', 'bench', 'peer_seed_zoo.py');
const TORCH_EVAL = path.join(__dirname, 'torch-eval.py');
/** Reruns reuse the peer's output: it depends on nothing but the script. */
const CACHE_DIR = path.join(os.tmpdir(), 'paramdiff-peer-seed-zoo-quick');

/** Why PyTorch cannot run here, or null. */
export function noTorchReason(): string | null {
  const probe = spawnSync(REFERENCE_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return probe.status === 0 ? null : `no PyTorch for ${REFERENCE_PYTHON} (apt-get install python3-torch)`;
}

export interface PeerSeedZoo {
  zoo: string;
  /** Each member's test accuracy in percent, as the peer reports it. */
  test: number[];
  seeds: number[];
}

/** `peer_seed_zoo.py --quick --zoo`, run once per machine (results.json, renamed in last, marks a finished run). */
export function peerSeedZoo(): PeerSeedZoo {
  const zoo = path.join(CACHE_DIR, 'zoo.safetensors');
  const results = path.join(CACHE_DIR, 'results.json');
  if (!fs.existsSync(results) || !fs.existsSync(zoo)) {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const work = fs.mkdtempSync(path.join(CACHE_DIR, 'run-'));
    const args = [PEER_SEED_ZOO, '--quick', '--zoo', path.join(work, 'zoo.safetensors'), '--out', path.join(work, 'results.json')];
    const run = spawnSync(REFERENCE_PYTHON, args, { cwd: path.dirname(PEER_SEED_ZOO), encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`peer_seed_zoo.py failed (${run.status ?? run.signal}):\n${run.stderr}`);
    fs.renameSync(path.join(work, 'zoo.safetensors'), zoo);
    fs.renameSync(path.join(work, 'results.json'), results);
    fs.rmSync(work, { recursive: true, force: true });
  }
  const models = (JSON.parse(fs.readFileSync(results, 'utf8')) as { models: { seed: number; test: number }[] }).models;
  return { zoo, test: models.map((m) => m.test), seeds: models.map((m) => m.seed) };
}

/** Each member's Fashion-MNIST test accuracy in percent, computed by PyTorch (torch-eval.py). */
export function torchEval(zoo: string, dataDir: string): number[] {
  return runTorchEval(['--zoo', zoo, '--data-dir', dataDir]);
}

/** Each member's accuracy in percent on `test` (our images, already normalised), computed by PyTorch. */
export function torchEvalOn(zoo: string, test: ImageDataset): number[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torch-eval-data-'));
  try {
    const file = path.join(dir, 'test.safetensors');
    writeSafetensors(file, [
      { name: 'images', shape: [test.labels.length, ...test.shape], data: test.images },
      { name: 'labels', shape: [test.labels.length], data: Float32Array.from(test.labels) },
    ]);
    return runTorchEval(['--zoo', zoo, '--data', file]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function runTorchEval(args: string[]): number[] {
  const run = spawnSync(REFERENCE_PYTHON, [TORCH_EVAL, ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`torch-eval.py failed (${run.status ?? run.signal}):\n${run.stderr}`);
  return (JSON.parse(run.stdout) as { test: number[] }).test;
}
