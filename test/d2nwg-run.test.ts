import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkEncoderInvariance, D2NWG_METHODS, D2NWG_OUTPUTS, FINE_TUNE_STARTS, openTaskZoo, report, run, type D2nwgResults } from '../lib/d2nwg';
import { parseTaskId } from '../lib/data';
import { ConfigMismatchError, InputError } from '../lib/util/errors';
import { blobConfig as config, blobSources as sources } from './helpers/task-sources';
import { tmpDirs } from './helpers/tmp-dirs';

/** Every file a finished run keeps its trained stages in, with its modification time. */
const STAGE_FILES = ['vae-state.safetensors', 'vae.safetensors', 'encoder.safetensors',
  'diffusion-conditional-state.safetensors', 'diffusion-unconditional-state.safetensors'];
const stageTimes = (dir: string) => STAGE_FILES.map((f) => fs.statSync(path.join(dir, f)).mtimeMs);

/** The results without wall-clock numbers. */
const untimed = ({ timings, alignment, ...rest }: D2nwgResults) => JSON.stringify({ ...rest, alignment: { ...alignment, seconds: 0 } });

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('D2NWG runner', function () {
  this.timeout(120_000);
  const dirs = tmpDirs('d2nwg-run');
  after(dirs.cleanup);
  let dir: string;
  let first: D2nwgResults;

  it('makes its choices on training tasks, then scores every method on every held-out task of every kind, without leaking tensors', () => {
    dir = dirs.make();
    const before = tf.memory().numTensors;
    const stages = new Set<string>();
    first = run(config, { outDir: dir, onProgress: (stage) => stages.add(stage), sources });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(first.backend, tf.getBackend());
    assert.deepEqual([...stages], ['extractor', 'features', 'heads', 'vae', 'align', 'diffusion', 'unconditional', 'select', 'evaluate']);
    // Per source: 1 unseen combination × 4 variants, 1 seen one in rot180, 1 unseen-class task × 3 training variants.
    assert.deepEqual([first.zoo.trainTasks, first.zoo.heads, first.zoo.heldOutTasks], [6, 12, 16]);
    assert.deepEqual(Object.keys(first.zoo.unseenClasses), ['mnist', 'fashion-mnist']);
    // The choices: made on training tasks' val splits, recorded with the data used.
    const { selection } = first;
    const trainIds = new Set(openTaskZoo(path.join(dir, D2NWG_OUTPUTS.taskZoo)).tasks.map((t) => t.id));
    assert.equal(selection.tasks.length, config.selection.tasks);
    assert.ok(selection.tasks.every((id) => trainIds.has(id)), 'only training tasks decide');
    for (const choice of [selection.guidance, selection.shotHeadSteps]) {
      assert.equal(choice.valAccuracy.length, choice.candidates.length);
      assert.equal(choice.chosen, choice.candidates[choice.valAccuracy.indexOf(Math.max(...choice.valAccuracy))]);
    }
    assert.deepEqual(selection.guidance.candidates, config.selection.guidance);
    for (const task of first.tasks) {
      assert.deepEqual(Object.keys(task.methods).sort(), [...D2NWG_METHODS].sort());
      for (const m of D2NWG_METHODS) {
        const { mean: avg, shotSelected, valOracle } = task.methods[m];
        assert.ok([avg, shotSelected, valOracle].every((a) => a >= 0 && a <= 1), `${task.id} ${m}: ${avg}, ${shotSelected}, ${valOracle}`);
      }
      for (const m of ['generated', 'shuffledCondition', 'randomCondition', 'unconditional', 'random'] as const) assert.equal(task.methods[m].heads, config.sampling.samples);
      for (const m of ['prototype', 'logisticRegression', 'classRetrieval', 'meanHead'] as const) {
        const { mean: avg, shotSelected, valOracle, heads } = task.methods[m];
        assert.deepEqual([heads, shotSelected, valOracle], [1, avg, avg], `${m} is one head`);
      }
      assert.equal(task.methods.trained.heads, config.zoo.heads.headsPerTask);
      for (const s of FINE_TUNE_STARTS) assert.equal(task.fineTune[s].length, config.fineTuneSteps.length);
      // Fine-tuning starts from each method's shot-selected head: its first point is that head's test accuracy.
      for (const s of FINE_TUNE_STARTS) assert.equal(task.fineTune[s][0], task.methods[s].shotSelected, s);
      assert.equal(task.draws.length, config.draws);
      for (const draw of task.draws) {
        assert.ok(trainIds.has(draw.retrieved.id) && draw.retrieved.similarity <= 1 + 1e-6);
        const other = parseTaskId(draw.shuffledFrom);
        assert.ok(trainIds.has(draw.shuffledFrom), 'the shuffled condition comes from a training task');
        assert.equal(other.source, parseTaskId(task.id).source);
        assert.notDeepEqual(other.classes, parseTaskId(task.id).classes, 'of other classes');
      }
    }
    // The blobs are separable: the prototype head of 5 shots and heads trained on each unseen task beat 5-way chance by far.
    assert.ok(first.summary.all.methods.prototype.mean.mean > 0.6, `prototype ${first.summary.all.methods.prototype.mean.mean}`);
    assert.ok(first.summary.all.methods.trained.mean.mean > 0.6, `trained reference ${first.summary.all.methods.trained.mean.mean}`);
    assert.equal(first.summary.all.methods.generated.mean.mean, mean(first.tasks.map((t) => t.methods.generated.mean)));
    const novelties = Object.keys(first.summary.byNovelty).sort();
    assert.deepEqual(novelties, ['classes', 'combination', 'combinationAndVariant', 'variant']);
    assert.equal(Object.values(first.summary.byNovelty).reduce((n, s) => n + s.tasks, 0), first.tasks.length);
    assert.ok(first.losses.vae.length > 0 && first.losses.conditional.length > 0 && first.losses.unconditional.length > 0);
  });

  it('reports every figure, the novelty bars from the summary', () => {
    const html = report.renderReport(first);
    for (const id of ['losses', 'methods', 'novelty', 'fine-tune', 'tasks']) assert.ok(html.includes(`<div id="${id}" class="figure">`), id);
    for (const label of ['unseen class combination', 'unseen classes', 'unseen variant', 'oracle: val-selected head', 'guidance scale']) assert.ok(html.includes(label), label);
    const figure = report.noveltyFigure(first);
    assert.equal(figure.data.length, D2NWG_METHODS.length);
    const generated = figure.data[D2NWG_METHODS.indexOf('generated')].y as number[];
    const kinds = ['combination', 'variant', 'combinationAndVariant', 'classes'] as const;
    assert.deepEqual(generated, kinds.map((k) => 100 * first.summary.byNovelty[k]!.methods.generated.mean.mean));
    // The table of a kind summarises exactly that kind's tasks.
    const rows = report.methodsTable(first, 'classes');
    const classTasks = first.tasks.filter((t) => t.novelty === 'classes');
    assert.equal(rows[D2NWG_METHODS.indexOf('prototype')]['mean of heads'].toString().split(' ')[0], (100 * mean(classTasks.map((t) => t.methods.prototype.mean))).toFixed(2));
  });

  it('reloads every trained stage on a second call and gives identical results', () => {
    const times = stageTimes(dir);
    const before = tf.memory().numTensors;
    const stages = new Set<string>();
    const again = run(config, { outDir: dir, onProgress: (stage) => stages.add(stage), sources });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual([...stages], ['evaluate'], 'nothing trains again, the choices are read back');
    assert.deepEqual(stageTimes(dir), times, 'no stage file is written again');
    assert.equal(untimed(again), untimed(first));
  });

  it('keeps the choices and each held-out task as they finish: a stopped protocol resumes with the results of an uninterrupted run', () => {
    const protocol = path.join(dir, D2NWG_OUTPUTS.protocol);
    const taskFile = (i: number) => path.join(protocol, `task-${i}.json`);
    assert.deepEqual(fs.readdirSync(protocol).sort(), ['selection.json', ...first.tasks.map((_, i) => `task-${i}.json`)].sort());
    // Stopped during task 5: the later tasks were never written.
    for (let i = 5; i < first.tasks.length; i++) fs.rmSync(taskFile(i));
    assert.equal(untimed(run(config, { outDir: dir, sources })), untimed(first));
    // A stored part is read back, not recomputed: an edited one shows through.
    const stored = JSON.parse(fs.readFileSync(taskFile(0), 'utf8'));
    fs.writeFileSync(taskFile(0), JSON.stringify({ ...stored, value: { ...stored.value, id: 'edited' } }));
    assert.equal(run(config, { outDir: dir, sources }).tasks[0].id, 'edited');
    // A part of other trained stages is recomputed.
    fs.writeFileSync(taskFile(0), JSON.stringify({ ...stored, fitted: 'f'.repeat(64) }));
    assert.equal(untimed(run(config, { outDir: dir, sources })), untimed(first));
    assert.equal(JSON.parse(fs.readFileSync(taskFile(0), 'utf8')).fitted, stored.fitted, 'and stored again with these stages');
    // A torn part is an error naming it, and nothing is overwritten.
    fs.writeFileSync(taskFile(1), '{"fitted": "ab');
    assert.throws(() => run(config, { outDir: dir, sources }), (err: Error) => err instanceof InputError && err.message.includes(taskFile(1)));
    assert.equal(fs.readFileSync(taskFile(1), 'utf8'), '{"fitted": "ab');
    fs.rmSync(taskFile(1));
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
