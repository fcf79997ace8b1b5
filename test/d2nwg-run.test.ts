import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkEncoderInvariance, D2NWG_METHODS, D2NWG_OUTPUTS, FINE_TUNE_STARTS, report, run, type D2nwgResults } from '../lib/d2nwg';
import { ConfigMismatchError } from '../lib/util/errors';
import { blobConfig as config, blobSources as sources } from './helpers/task-sources';
import { tmpDirs } from './helpers/tmp-dirs';

/** Every file a finished run keeps its trained stages in, with its modification time. */
const STAGE_FILES = ['vae-state.safetensors', 'vae.safetensors', 'encoder.safetensors',
  'diffusion-conditional-state.safetensors', 'diffusion-unconditional-state.safetensors'];
const stageTimes = (dir: string) => STAGE_FILES.map((f) => fs.statSync(path.join(dir, f)).mtimeMs);

/** The results without wall-clock numbers. */
const untimed = ({ timings, alignment, ...rest }: D2nwgResults) => JSON.stringify({ ...rest, alignment: { ...alignment, seconds: 0 } });

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('D2NWG runner', () => {
  const dirs = tmpDirs('d2nwg-run');
  after(dirs.cleanup);
  let dir: string;
  let first: D2nwgResults;

  it('scores every method on every held-out task, without leaking tensors', () => {
    dir = dirs.make();
    const before = tf.memory().numTensors;
    const stages = new Set<string>();
    first = run(config, { outDir: dir, onProgress: (stage) => stages.add(stage), sources });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(first.backend, tf.getBackend());
    assert.deepEqual([...stages], ['extractor', 'features', 'heads', 'vae', 'align', 'diffusion', 'unconditional', 'evaluate']);
    assert.deepEqual([first.zoo.trainTasks, first.zoo.heads, first.zoo.heldOutTasks], [6, 12, 10]);
    assert.equal(first.tasks.length, 10);
    for (const task of first.tasks) {
      assert.deepEqual(Object.keys(task.methods).sort(), [...D2NWG_METHODS].sort());
      for (const m of D2NWG_METHODS) {
        const { valSelected, mean: avg } = task.methods[m];
        assert.ok(valSelected >= 0 && valSelected <= 1 && avg >= 0 && avg <= 1, `${task.id} ${m}: ${valSelected}, ${avg}`);
      }
      assert.equal(task.methods.generated.heads, config.sampling.samples);
      assert.equal(task.methods.unconditional.heads, config.sampling.samples);
      assert.equal(task.methods.trained.heads, config.zoo.heads.headsPerTask);
      for (const s of FINE_TUNE_STARTS) assert.equal(task.fineTune[s].length, config.fineTuneSteps.length);
      // Fine-tuning starts from the val-selected generated head: its first point is that head's test accuracy.
      assert.equal(task.fineTune.generated[0], task.methods.generated.valSelected);
      assert.ok(first.zoo.trainTasks > 0 && task.retrieved.similarity <= 1 + 1e-6);
    }
    // The blobs are separable: heads trained on each unseen task beat 5-way chance by far.
    assert.ok(first.summary.all.methods.trained.mean > 0.6, `trained reference ${first.summary.all.methods.trained.mean}`);
    assert.equal(first.summary.all.methods.generated.mean, mean(first.tasks.map((t) => t.methods.generated.mean)));
    const novelties = Object.keys(first.summary.byNovelty).sort();
    assert.deepEqual(novelties, ['both', 'classes', 'variant']);
    assert.equal(Object.values(first.summary.byNovelty).reduce((n, s) => n + s.tasks, 0), first.tasks.length);
    assert.ok(first.losses.vae.length > 0 && first.losses.conditional.length > 0 && first.losses.unconditional.length > 0);
  });

  it('reports every figure, the novelty bars from the summary', () => {
    const html = report.renderReport(first);
    for (const id of ['losses', 'methods', 'novelty', 'fine-tune', 'tasks']) assert.ok(html.includes(`<div id="${id}" class="figure">`), id);
    const figure = report.noveltyFigure(first);
    assert.equal(figure.data.length, D2NWG_METHODS.length);
    const generated = figure.data[D2NWG_METHODS.indexOf('generated')].y as number[];
    assert.deepEqual(generated, Object.values(first.summary.byNovelty).map((s) => 100 * s.methods.generated.mean));
  });

  it('reloads every trained stage on a second call and gives identical results', () => {
    const times = stageTimes(dir);
    const before = tf.memory().numTensors;
    const stages = new Set<string>();
    const again = run(config, { outDir: dir, onProgress: (stage) => stages.add(stage), sources });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual([...stages], ['evaluate'], 'nothing trains again');
    assert.deepEqual(stageTimes(dir), times, 'no stage file is written again');
    assert.equal(untimed(again), untimed(first));
  });

  it('the trained encoder is invariant to shot and class order on a held-out task, and sees a fresh draw of shots', () => {
    const check = checkEncoderInvariance(config, dir, 5);
    assert.ok(check.datasetGap < 1e-5, `dataset embedding moved by ${check.datasetGap}`);
    assert.ok(check.classGap < 1e-5, `class embeddings moved by ${check.classGap}`);
    assert.ok(check.redrawGap > 100 * Math.max(check.datasetGap, 1e-7), `a fresh draw moved the embedding by only ${check.redrawGap}`);
    assert.notDeepEqual(check.classOrder, [...check.classOrder].sort((a, b) => a - b), 'the check reordered the classes');
  });

  it('refuses, before any work, a directory whose stages were trained with another config', () => {
    const other = { ...config, vaeTrain: { ...config.vaeTrain, steps: config.vaeTrain.steps + 1 } };
    assert.ok(fs.existsSync(path.join(dir, D2NWG_OUTPUTS.taskZoo)));
    assert.throws(() => run(other, { outDir: dir, sources }),
      (err: Error) => err instanceof ConfigMismatchError && err.message.includes('run.json') && err.message.includes('vaeTrain.steps'));
  });
});
