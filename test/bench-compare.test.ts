import { strict as assert } from 'node:assert';
import type { BackendInfo } from '../lib/backend';
import { accuracyRows, microStepRows, opRows, ratio, stageRows, stepRows } from '../lib/bench/compare';
import { benchNotes, benchRecord, benchTables, benchText, type BenchInputs } from '../lib/bench/record';
import type { ReferenceRun } from '../lib/bench/reference';
import type { StepResult } from '../lib/bench/micro-steps';
import type { AccuracySummary } from '../lib/eval/stats';
import { preset } from '../lib/pdiff';
import type { PdiffResults, SamplerRun } from '../lib/pdiff/results';

const summary = (best: number, mean: number, median: number, valSelectedTest: number, count = 100): AccuracySummary =>
  ({ count, best, mean, median, min: 0.5, std: 0.01, valSelectedTest, valSelectedIndex: 0 });

const timing = (medianMs: number) => ({ medianMs, minMs: medianMs * 0.9, runs: 5 });

const samplerRun = (kind: 'ddpm' | 'ddim', steps: number, isGenerated: boolean, sample: number, evaluate: number): SamplerRun => ({
  label: kind, sampler: { kind, steps, eta: 0, clip: 1 }, steps, isGenerated, summary: summary(0.9, 0.8, 0.8, 0.85),
  maxIoU: { min: 0.5, mean: 0.6, max: 0.7 }, seconds: { sample, evaluate },
});

/** Only what the tables read is filled in with meaning. */
const ours = {
  originals: summary(0.91, 0.9, 0.905, 0.9075, 200),
  reconstructed: summary(0.9, 0.89, 0.895, 0.8925, 200),
  generated: summary(0.9123, 0.9, 0.9, 0.91),
  samplers: [samplerRun('ddpm', 1000, true, 50, 2), samplerRun('ddim', 50, false, 2.5, 2)],
  novelty: { maxIoU: { min: 0.5, mean: 0.6, max: 0.7 }, originalsVsOriginals: { min: 0.8, mean: 0.9, max: 1 }, identicalToAnOriginal: 0 },
  timings: { collect: 300, autoencoder: 200, diffusion: 100, sample: 50, evaluate: 30, samplers: 4.5, total: 690 },
} as unknown as PdiffResults;

const ref: ReferenceRun = {
  stages: { checkpoints: 150, autoencoder: 400, diffusion: 0, generateAndEvaluate: 40, total: 600 },
  perStep: { taskTrainStep: 0.02, autoencoderStep: 0.2, ddpmStep: 0.025, samplingStep: 0.01, evalModel: 0.5 },
  accuracy: {
    originals: { count: 200, best: 0.9, mean: 0.895, median: 0.8951, valSelectedTest: 0.9 },
    reconstructed: { count: 200, best: 0.89, mean: 0.88, median: 0.885, valSelectedTest: 0.886 },
    generated: { count: 100, best: 0.905, mean: 0.8, median: 0.85, valSelectedTest: 0.9 },
  },
};

const micro: StepResult[] = [
  { model: 'task model', shape: '[128, 28, 28, 1]', step: timing(40) },
  { model: 'autoencoder', shape: '[200, 778]', step: timing(90) },
  { model: 'denoiser', shape: '[200, 20]', step: timing(60) },
];

describe('bench comparison tables', () => {
  it('ratio is ours / reference to 2 decimals, "-" without a positive reference', () => {
    assert.equal(ratio(3, 2), 1.5);
    assert.equal(ratio(1, 3), 0.33);
    assert.equal(ratio(2, 0), '-');
    assert.equal(ratio(undefined, 2), '-');
    assert.equal(ratio(2, undefined), '-');
  });

  it('stage rows map our stages onto the reference\'s (stage 4 = sample + evaluate)', () => {
    const rows = stageRows(ours.timings, ref.stages);
    assert.deepEqual(rows.map((r) => r.stage), ['stage 1: checkpoints', 'stage 2: autoencoder', 'stage 3: diffusion', 'stage 4: sample + evaluate', 'total']);
    assert.deepEqual(rows.map((r) => r['ours/ref']), [2, 0.5, '-', 2, 1.15]);
    assert.deepEqual(rows[3], { stage: 'stage 4: sample + evaluate', 'paramdiff s': 80, 'reference s': 40, 'ours/ref': 2 });
    assert.deepEqual(stageRows(ours.timings).map((r) => [r['reference s'], r['ours/ref']]), Array(5).fill(['-', '-']));
  });

  it('accuracy rows put both sides\' best / mean / median / val-selected side by side, in %', () => {
    const [originals, , generated] = accuracyRows(ours, ref.accuracy);
    assert.deepEqual(generated, {
      models: 'generated', 'paramdiff best': 91.23, 'paramdiff mean': 90, 'paramdiff median': 90, 'paramdiff val-sel.': 91,
      'ref best': 90.5, 'ref mean': 80, 'ref median': 85, 'ref val-sel.': 90,
    });
    assert.equal(originals['paramdiff val-sel.'], 90.75);
    assert.equal(accuracyRows(ours)[0]['ref best'], '-');
  });

  it('step rows: micro, ours from stage time / steps, the reference\'s, and a like-for-like ratio', () => {
    const config = preset('standard'); // 2,000 AE and DDPM steps, batch 128
    const rows = stepRows({ micro, pipeline: { results: ours, config }, ref: ref.perStep });
    const byStep = Object.fromEntries(rows.map((r) => [r.step, r]));
    // Task model: no stage-derived time of ours, so the ratio uses the micro median: 40 / 20.
    assert.deepEqual(byStep['task model training step (batch 128)'],
      { step: 'task model training step (batch 128)', 'paramdiff micro ms': 40, 'paramdiff stage/steps ms': '-', 'reference stage/steps ms': 20, 'ours/ref': 2 });
    // Autoencoder: 200 s / 2000 steps = 100 ms against 200 ms; the micro 90 ms is shown, not used.
    assert.deepEqual([byStep['autoencoder step']['paramdiff stage/steps ms'], byStep['autoencoder step']['ours/ref']], [100, 0.5]);
    assert.deepEqual([byStep['denoiser step']['paramdiff stage/steps ms'], byStep['denoiser step']['ours/ref']], [50, 2]);
    // DDPM sampling: 50 s over 1000 steps = 50 ms against 10 ms; evaluation: 2 s over 100 models = 20 ms against 500 ms.
    assert.deepEqual([byStep['DDPM sampling step']['paramdiff stage/steps ms'], byStep['DDPM sampling step']['ours/ref']], [50, 5]);
    assert.deepEqual([byStep['evaluate one generated model (val + test)']['paramdiff stage/steps ms'], byStep['evaluate one generated model (val + test)']['ours/ref']], [20, 0.04]);
    // Micro only: every other column is '-'.
    const microOnly = stepRows({ micro });
    assert.deepEqual(microOnly.map((r) => r['paramdiff micro ms']), [40, 90, 60, '-', '-']);
    assert.ok(microOnly.every((r) => r['ours/ref'] === '-' && r['reference stage/steps ms'] === '-'));
  });

  it('op rows give GFLOP/s forward and, with gradients, 3× the forward flops', () => {
    const [row] = opRows([{ op: 'matmul NN', shape: '[512, 512]·[512, 512]', flops: 2 * 512 ** 3, forward: timing(10), forwardBackward: timing(40) }]);
    assert.equal(row['fwd GFLOP/s'], 26.84); // 268,435,456 flops in 10 ms
    assert.equal(row['fwd+grads GFLOP/s'], 20.13); // 3 × 268,435,456 in 40 ms
    const [forwardOnly] = opRows([{ op: 'x', shape: 's', flops: 1e9, forward: timing(1000), forwardBackward: null }]);
    assert.deepEqual([forwardOnly['fwd GFLOP/s'], forwardOnly['fwd+grads ms'], forwardOnly['fwd+grads GFLOP/s']], [1, '-', '-']);
    assert.deepEqual(microStepRows(micro)[1], { model: 'autoencoder', batch: '[200, 778]', 'ms / step (median)': 90, 'ms / step (min)': 81 });
  });
});

describe('bench record', () => {
  const backend: BackendInfo = { name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', skipped: [] };
  const config = preset('quick');
  const inputs: BenchInputs = {
    preset: 'quick', backend, micro: { config: { ops: { warmup: 1, runs: 1 }, steps: { warmup: 1, runs: 1, stepsPerRun: 1 } }, ops: [], steps: micro },
    pipeline: { results: ours, config, runDir: '/tmp/x' },
    reference: { run: ref, quick: true, file: '/tmp/peer.json' },
  };

  it('has the tables of what ran, and notes that say how to read them', () => {
    assert.deepEqual(Object.keys(benchTables(inputs)), [
      'ops (median ms; GFLOP/s)', 'training steps (micro-benchmark)', 'wall seconds per stage', 'test accuracy (%)',
      'generated models by sampler (same model and seed)', 'ms per step',
    ]);
    assert.deepEqual(Object.keys(benchTables({ ...inputs, pipeline: null, reference: null })), ['ops (median ms; GFLOP/s)', 'training steps (micro-benchmark)']);
    const notes = benchNotes(inputs).join('\n');
    assert.match(notes, /no micro-benchmark mode: its ms per step are its stage wall times over its step counts/);
    assert.match(notes, /preset 'quick' and the reference's --quick are different workloads/);
    assert.match(notes, /micro-benchmarks run at the standard shapes .*, the pipeline at preset 'quick's/);
    assert.match(benchNotes({ ...inputs, reference: { skipped: 'no PyTorch', quick: false, file: '' } }).join('\n'), /reference not run: no PyTorch/);
    assert.doesNotMatch(benchNotes({ ...inputs, reference: null }).join('\n'), /reference/);
  });

  it('saves the raw results with the tables, and prints every table', () => {
    const record = benchRecord(inputs);
    assert.equal(record.pipeline?.timings.total, 690);
    assert.equal(record.pipeline?.accuracy.samplers.length, 2);
    assert.deepEqual(record.reference, inputs.reference);
    const text = benchText(record);
    for (const title of Object.keys(record.tables)) assert.ok(text.includes(`${title}:\n`), title);
    assert.match(text, /stage 4: sample \+ evaluate\s+80\s+40\s+2/);
    assert.doesNotMatch(benchText(benchRecord({ ...inputs, pipeline: null, reference: null })), /notes:/);
  });
});
