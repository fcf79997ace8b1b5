import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { autoencoderCases, convNetCases, denoiserCases, matMulCase, matMulCases, runOpCase } from '../lib/bench/micro-ops';
import { autoencoderStep, convNetStep, denoiserStep } from '../lib/bench/micro-steps';
import { parseReference, runReference } from '../lib/bench/reference';
import { modelShapes, type ModelShapes } from '../lib/bench/shapes';
import { gflops, perStepTiming, timeRuns } from '../lib/bench/timing';
import { preset } from '../lib/pdiff';
import { FileFormatError } from '../lib/util/errors';

const standard = preset('standard');

describe('bench timing', () => {
  it('perStepTiming: per-step ms between reports every stepsPerRun steps, warm-up runs dropped, other reports ignored', () => {
    const points = [{ step: 1, seconds: 0.25 }, { step: 4, seconds: 1 }, { step: 8, seconds: 1.5 }, { step: 12, seconds: 2.5 }, { step: 16, seconds: 3 }];
    // Runs of 4 steps: 1 s (warm-up), 0.5 s, 1 s, 0.5 s → 125, 250, 125 ms per step.
    assert.deepEqual(perStepTiming(points, 4, { warmup: 1, runs: 3 }), { medianMs: 125, minMs: 125, runs: 3 });
    assert.throws(() => perStepTiming(points, 4, { warmup: 1, runs: 4 }), /expected 5 reports every 4 steps, got 4/);
  });

  it('timeRuns calls warm-up + measured runs and disposes what they return', () => {
    let calls = 0;
    const before = tf.memory().numTensors;
    const t = timeRuns(() => { calls++; return [tf.zeros([3]), { y: tf.ones([2]) }]; }, { warmup: 2, runs: 3 });
    assert.equal(calls, 5);
    assert.equal(t.runs, 3);
    assert.ok(t.minMs <= t.medianMs);
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => timeRuns(() => [], { warmup: 0, runs: 0 }), /runs must be a positive integer/);
  });

  it('gflops: flops over milliseconds', () => {
    assert.equal(gflops(2e9, 1000), 2);
    assert.equal(gflops(5e6, 1), 5);
  });
});

describe('bench micro-benchmark cases (shapes and flops, not timings)', () => {
  const shapes = modelShapes(standard);

  it('takes the standard shapes from the preset: batch 128, K = 200, 778 floats, latent 20', () => {
    assert.deepEqual(shapes, { taskBatch: 128, image: [28, 28, 1], numClasses: 10, snapshots: 200, subsetSize: 778, latentDim: 20 });
  });

  it('matmul cases: 512² and 1024² under every flag, with operands stored as the flags say', () => {
    const cases = matMulCases(standard, shapes);
    assert.deepEqual(cases.slice(0, 4).map((c) => c.op), ['matmul NN', 'matmul TN', 'matmul NT', 'matmul TT']);
    assert.equal(cases[5].flops, 2 * 1024 ** 3);
    const tn = matMulCase('', [2, 3, 4], true, false);
    const [a, b] = tn.operands();
    assert.deepEqual([a.shape, b.shape, tn.fn(a, b).shape], [[3, 2], [3, 4], [2, 4]]);
    tf.dispose([a, b]);
  });

  it('ConvNet-S, autoencoder and denoiser layers at their pdiff-small shapes', () => {
    assert.deepEqual(convNetCases(shapes).map((c) => c.shape), [
      'ConvNet-S conv1 [128, 28, 28, 1] → 16', 'ConvNet-S conv2 [128, 14, 14, 16] → 32', 'ConvNet-S conv3 [128, 7, 7, 32] → 64']);
    assert.equal(convNetCases(shapes)[1].flops, 2 * 128 * 14 * 14 * 32 * 9 * 16);
    const ae = autoencoderCases(standard, shapes);
    assert.equal(ae.length, 16); // 4 encoder and 4 decoder blocks, two convs each
    assert.equal(ae[0].shape, 'AE enc.0/conv1 [200, 810, 1] → 2'); // padded 778 → 810
    const up = ae.find((c) => c.shape.startsWith('AE dec.2/conv1'))!;
    assert.equal(up.shape, 'AE dec.2/conv1 [200, 90, 64] → 64');
    assert.equal(up.flops, 2 * 200 * 90 * 3 * 64 * 64);
    const den = denoiserCases(standard, shapes, 1000);
    assert.deepEqual(den.map((c) => c.shape.replace(/^denoiser \S+ /, '')), [
      '[200, 20, 1] → 32', '[200, 20, 32] → 32', '[200, 20, 32] → 64', '[200, 20, 64] → 64', '[200, 20, 64] → 128',
      '[200, 20, 128] → 128', '[200, 20, 128] → 64', '[200, 20, 64] → 32', '[200, 20, 32] → 1']);
  });

  it('runOpCase times forward and gradients of every operand, leaving no tensors', () => {
    const c = autoencoderCases(standard, shapes).find((x) => x.shape.startsWith('AE dec.0/conv1'))!; // [200, 10, 2]: tiny
    const before = tf.memory().numTensors;
    const r = runOpCase(c, { warmup: 1, runs: 2 });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(r.forward.runs, 2);
    assert.equal(r.forwardBackward?.runs, 2);
    assert.equal(runOpCase(matMulCase('', [4, 4, 4]), { warmup: 0, runs: 1 }).forwardBackward, null);
  });
});

describe('bench training-step benchmarks', () => {
  const tiny: ModelShapes = { ...modelShapes(standard), taskBatch: 8, snapshots: 4 };
  const timing = { warmup: 1, runs: 2, stepsPerRun: 2 };

  it('time each model inside its training loop, keeping the tensor count flat', () => {
    const before = tf.memory().numTensors;
    const results = [convNetStep, autoencoderStep, denoiserStep].map((f) => f(standard, tiny, timing));
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(results.map((r) => [r.model, r.shape, r.step.runs]),
      [['task model', '[8, 28, 28, 1]', 2], ['autoencoder', '[4, 778]', 2], ['denoiser', '[4, 20]', 2]]);
    for (const r of results) assert.ok(r.step.medianMs > 0 && r.step.minMs <= r.step.medianMs, r.model);
  });
});

describe('bench reference', () => {
  const peer = {
    timings_s: { stages: { stage1_checkpoints: 100, stage2_autoencoder: 50, stage3_ddpm: 40, stage4_generate_and_evaluate: 30, total: 230 } },
    per_step_s: { stage1_train_step: 0.01, stage1_collect_step: 0.005, ae_step: 0.02, ddpm_step: 0.015, sampling_step: 0.004, eval_model_val_plus_test: 0.3 },
    accuracy: Object.fromEntries(['original', 'reconstructed', 'generated'].map((k, i) =>
      [k, { n: 10 + i, best: 91.5, mean: 90, median: 90.25, min: 80, val_selected_test: 91 }])),
  };

  it('reads the peer\'s stages, per-step times and accuracies (percent → fraction)', () => {
    const run = parseReference('peer.json', JSON.stringify(peer));
    assert.deepEqual(run.stages, { checkpoints: 100, autoencoder: 50, diffusion: 40, generateAndEvaluate: 30, total: 230 });
    assert.deepEqual(run.perStep, { taskTrainStep: 0.01, autoencoderStep: 0.02, ddpmStep: 0.015, samplingStep: 0.004, evalModel: 0.3 });
    assert.deepEqual(run.accuracy.generated, { count: 12, best: 0.915, mean: 0.9, median: 0.9025, valSelectedTest: 0.91 });
    assert.equal(run.accuracy.originals.count, 10);
  });

  it('names the missing field of a peer file it cannot use', () => {
    const broken = { ...peer, per_step_s: { ...peer.per_step_s, ae_step: undefined } };
    assert.throws(() => parseReference('peer.json', JSON.stringify(broken)),
      (err: Error) => err instanceof FileFormatError && /peer\.json: per_step_s\.ae_step: missing/.test(err.message));
  });

  it('says why it did not run when the script is missing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-bench-'));
    const outcome = runReference(path.join(dir, 'nope.py'), path.join(dir, 'out.json'), { quick: true });
    assert.deepEqual(outcome, { skipped: `reference script not found at ${path.join(dir, 'nope.py')}` });
  });
});
