/**
 * The PyTorch references (../shared/bench/peer_*.py), run with Debian's /usr/bin/python3 and read
 * back from the JSON they write; here the pdiff-small one (peer_pdiff_small.py). It has no micro-benchmark
 * mode: its per-step times are its stage wall times over its step counts (its `per_step_s`).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JsonReader } from '../zoo/json-reader';

export const REFERENCE_PYTHON = '/usr/bin/python3';

/** Test accuracies of one population, as fractions in [0, 1] (the peer writes percent). */
export interface ReferenceAccuracy {
  count: number;
  best: number;
  mean: number;
  median: number;
  valSelectedTest: number;
}

export interface ReferenceRun {
  /** Wall seconds of the spec's stages (stage 4 includes evaluating the originals; total includes data loading). */
  stages: { checkpoints: number; autoencoder: number; diffusion: number; generateAndEvaluate: number; total: number };
  /** Seconds per step, derived by the peer from its stage times and step counts. */
  perStep: { taskTrainStep: number; autoencoderStep: number; ddpmStep: number; samplingStep: number; evalModel: number };
  accuracy: Record<'originals' | 'reconstructed' | 'generated', ReferenceAccuracy>;
}

function accuracy(r: JsonReader): ReferenceAccuracy {
  return {
    count: r.integer('n'), best: r.number('best') / 100, mean: r.number('mean') / 100, median: r.number('median') / 100,
    valSelectedTest: r.number('val_selected_test') / 100,
  };
}

/** The fields the comparison uses, checked (a FileFormatError names the first missing or mistyped one). */
export function parseReference(file: string, text: string): ReferenceRun {
  const json = JsonReader.parse(file, text);
  const stages = json.object('timings_s').object('stages');
  const perStep = json.object('per_step_s');
  const acc = json.object('accuracy');
  return {
    stages: {
      checkpoints: stages.number('stage1_checkpoints'), autoencoder: stages.number('stage2_autoencoder'),
      diffusion: stages.number('stage3_ddpm'), generateAndEvaluate: stages.number('stage4_generate_and_evaluate'), total: stages.number('total'),
    },
    perStep: {
      taskTrainStep: perStep.number('stage1_train_step'), autoencoderStep: perStep.number('ae_step'), ddpmStep: perStep.number('ddpm_step'),
      samplingStep: perStep.number('sampling_step'), evalModel: perStep.number('eval_model_val_plus_test'),
    },
    accuracy: { originals: accuracy(acc.object('original')), reconstructed: accuracy(acc.object('reconstructed')), generated: accuracy(acc.object('generated')) },
  };
}

export type ReferenceOutcome<R = ReferenceRun> = { run: R } | { skipped: string };

/**
 * Runs a peer script with `args` to completion (its output goes to this terminal) and reads its
 * results with `parse`; or says why it did not run: no script, no PyTorch, or a failed run.
 */
export function runPeer<R>(script: string, outFile: string, args: readonly string[], parse: (file: string, text: string) => R): ReferenceOutcome<R> {
  if (!fs.existsSync(script)) return { skipped: `reference script not found at ${script}` };
  const probe = spawnSync(REFERENCE_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: `no PyTorch for ${REFERENCE_PYTHON} (apt-get install python3-torch libopenblas0-pthread)` };
  fs.mkdirSync(path.dirname(outFile), { recursive: true }); // the peer writes there, but does not make the folder
  const run = spawnSync(REFERENCE_PYTHON, [script, '--out', outFile, ...args], { stdio: 'inherit' });
  if (run.status !== 0) return { skipped: `reference exited with ${run.status ?? run.signal}` };
  return { run: parse(outFile, fs.readFileSync(outFile, 'utf8')) };
}

/** The pdiff-small peer, with --quick or its default settings. */
export function runReference(script: string, outFile: string, options: { quick: boolean }): ReferenceOutcome {
  return runPeer(script, outFile, options.quick ? ['--quick'] : [], parseReference);
}
