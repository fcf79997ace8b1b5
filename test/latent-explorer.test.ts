import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { farthestPair } from '../lib/eval';
import { exploreLatents, report, trajectoryTimesteps, type LatentExploration } from '../lib/pdiff';
import { fittedTinyPipeline } from './helpers/tiny-pdiff';

const { interpolationFigure, latentMapFigure, latentSummaryTable } = report;

describe('latent explorer (tiny pipeline)', () => {
  let tiny: ReturnType<typeof fittedTinyPipeline>;
  let exploration: LatentExploration;
  let tensorsBefore: number;
  const config = { generated: 6, endpoints: 'farthest' as const, interpolationPoints: 5, trajectories: 3, trajectoryTimesteps: 4, seed: 7 };

  before(() => {
    tiny = fittedTinyPipeline(fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-latent-')));
    tensorsBefore = tf.memory().numTensors;
    exploration = exploreLatents(tiny.pipeline, tiny.evaluator, config);
  });
  after(() => tiny.dispose());

  it('records evenly spread timesteps the sampler visits, from noise down', () => {
    // DDIM, 10 of T = 100 steps: visits 0, 10, ..., 90.
    assert.deepEqual(trajectoryTimesteps(tiny.pipeline, 4), [90, 60, 30, 0]);
    assert.deepEqual(trajectoryTimesteps(tiny.pipeline, 50), [90, 80, 70, 60, 50, 40, 30, 20, 10, 0]);
  });

  it('projects originals and generated latents on the originals\' principal axes', () => {
    const { originals, generated, pca } = exploration;
    assert.equal(originals.points.length, tiny.pipeline.members.training.count);
    assert.equal(generated.points.length, config.generated);
    assert.equal(generated.test.length, config.generated);
    // The originals are centred by the PCA: their coordinates average to 0.
    for (const axis of [0, 1]) assert.ok(Math.abs(originals.points.reduce((s, p) => s + p[axis], 0)) < 1e-4);
    assert.ok(pca.varianceRatio[0] >= pca.varianceRatio[1] && pca.varianceRatio[0] + pca.varianceRatio[1] <= 1 + 1e-9);
  });

  it('interpolates between the two farthest originals; the path ends decode into those originals\' models', () => {
    const { interpolation: p, originals } = exploration;
    assert.deepEqual([p.from, p.to], farthestPair(tiny.pipeline.latents));
    assert.deepEqual(p.alphas, [0, 0.25, 0.5, 0.75, 1]);
    assert.equal(p.test[0], originals.test[p.from]);
    assert.equal(p.test[4], originals.test[p.to]);
    assert.deepEqual(p.points[0], originals.points[p.from]);
    assert.deepEqual(p.points[4], originals.points[p.to]);
  });

  it('traces the first samples from x_T to the generated x_0', () => {
    const { trajectory, generated } = exploration;
    assert.deepEqual(trajectory.map((f) => f.t), [90, 60, 30, 0, null]);
    for (const frame of trajectory) assert.equal(frame.points.length, config.trajectories);
    assert.deepEqual(trajectory[4].points, generated.points.slice(0, 3));
  });

  it('leaves no tensors behind', () => {
    exploreLatents(tiny.pipeline, tiny.evaluator, config);
    assert.equal(tf.memory().numTensors, tensorsBefore);
  });

  it('draws the map, the path and the summary from the measured values', () => {
    const map = latentMapFigure(exploration);
    assert.equal(map.data.filter((t) => t.legendgroup === 'trajectories').length, config.trajectories);
    const generatedTrace = map.data.find((t) => t.name === 'generated')!;
    assert.deepEqual(generatedTrace.x, exploration.generated.points.map((p) => p[0]));
    const path = interpolationFigure(exploration);
    assert.deepEqual(path.data[0].y, exploration.interpolation.test.map((v) => 100 * v));
    const rows = latentSummaryTable(exploration);
    assert.deepEqual(rows.map((r) => r.count), [tiny.pipeline.members.training.count, config.generated, config.interpolationPoints]);
  });
});
