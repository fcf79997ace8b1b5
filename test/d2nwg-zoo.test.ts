import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { applyVariant, capPerClass, comboKey, SOURCE_STATS, type DataSplits, type ImageDataset } from '../lib/data';
import { drawPerClass, EXTRACTOR_STATE_FILE, extractorBaseSet } from '../lib/d2nwg/task-zoo/extractor';
import { planTasks } from '../lib/d2nwg/task-zoo/tasks';
import { taskFeatures } from '../lib/d2nwg/features';
import { headsAccuracy } from '../lib/d2nwg/heads';
import { buildTaskZoo, openTaskZoo, trainTaskHeads, zooTaskHeads } from '../lib/d2nwg/task-zoo/build';
import { HEADS_FILE, loadTaskZoo, TASKS_FILE } from '../lib/d2nwg/task-zoo/store';
import { taskZooPreset, type TaskZooConfig } from '../lib/d2nwg/task-zoo/config';
import { dataFingerprint } from '../lib/optim/train-state';
import { configHash } from '../lib/util/config-diff';
import { ConfigMismatchError, FileFormatError, InputError } from '../lib/util/errors';
import { RUN_FILE } from '../lib/util/run-dir';
import { readSafetensors, writeSafetensors } from '../lib/zoo/safetensors';
import { blobSources } from './helpers/task-sources';
import { tmpDirs } from './helpers/tmp-dirs';

const sources = blobSources;

const smoke = taskZooPreset('smoke');
/** 12 training tasks of 2 heads, 2 × (1 × 4 + 1 + 1 × 3) held-out tasks; about 1 s. */
const config: TaskZooConfig = {
  ...smoke,
  preset: 'test',
  plan: { ...smoke.plan, trainTasksPerVariant: 2 },
  data: { seed: 0, trainPerClass: null, valPerClass: null, testPerClass: null },
  extractor: { ...smoke.extractor, perClass: 10, train: { ...smoke.extractor.train, batchSize: 40 } },
  heads: { ...smoke.heads, epochs: 3 },
};

/** Every image of a dataset as a string key, to compare sets of images exactly. */
const imageKeys = (ds: ImageDataset) => {
  const per = ds.images.length / ds.labels.length;
  return Array.from({ length: ds.labels.length }, (_, i) => ds.images.subarray(i * per, (i + 1) * per).join(','));
};

describe('D2NWG task zoo', () => {
  const dirs = tmpDirs('d2nwg-zoo');
  after(dirs.cleanup);
  let fullDir: string;

  it('builds heads for every training task and gives each task its features', () => {
    fullDir = dirs.make();
    const before = tf.memory().numTensors;
    const stages = new Set<string>();
    const zoo = buildTaskZoo(config, fullDir, (stage) => stages.add(stage), sources);
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual([...stages], ['extractor', 'features', 'heads']);
    assert.equal(zoo.tasks.length, 2 * 3 * 2);
    assert.deepEqual([zoo.heads.count, zoo.heads.dim], [24, 64 * 5 + 5]);
    assert.deepEqual(zoo.headManifest.entries.map((e) => e.name), ['fc/weight', 'fc/bias']);
    assert.equal(zoo.extractor.classes, 16, 'the 2 unseen classes of each source are left out');
    assert.ok(zoo.extractor.valAccuracy > 0.05 && zoo.extractor.valAccuracy <= 1);
    const task = zoo.tasks[3];
    const features = taskFeatures(zoo.features, task.spec);
    // The stored accuracies are the heads' accuracies on the task's val features.
    assert.deepEqual(headsAccuracy(zooTaskHeads(zoo, task), features.val), task.valAccuracy);
    assert.equal(features.trainByClass.length, 5);
    assert.equal(features.trainByClass.reduce((n, c) => n + c.count, 0), features.train.count);
    assert.ok(features.train.labels.every((l) => l >= 0 && l < 5));
    // A second call finds everything done and only reads.
    assert.deepEqual(buildTaskZoo(config, fullDir, () => assert.fail('nothing to do'), sources).heads.data, zoo.heads.data);
  });

  it('extra training tasks come last: the first tasks keep their heads, the held-out tasks stay', () => {
    const more = buildTaskZoo({ ...config, plan: { ...config.plan, extraTrainTasksPerVariant: 1 } }, dirs.make(), undefined, sources);
    const base = openTaskZoo(fullDir);
    assert.equal(more.tasks.length, base.tasks.length + 2 * 3);
    assert.deepEqual(more.tasks.slice(0, base.tasks.length).map((t) => t.id), base.tasks.map((t) => t.id));
    assert.deepEqual(more.heads.data.subarray(0, base.heads.data.length), base.heads.data);
    assert.deepEqual(more.plan.heldOut, base.plan.heldOut);
  });

  it('a zoo pinned before extra training tasks existed is read with none', () => {
    const dir = dirs.make();
    for (const f of fs.readdirSync(fullDir)) fs.cpSync(path.join(fullDir, f), path.join(dir, f), { recursive: true });
    const old = structuredClone(config) as unknown as { plan: Record<string, unknown> };
    delete old.plan.extraTrainTasksPerVariant;
    fs.writeFileSync(path.join(dir, RUN_FILE), JSON.stringify({ configSha256: configHash(old), config: old }));
    assert.deepEqual(buildTaskZoo(config, dir, () => assert.fail('nothing to do'), sources).heads.data, openTaskZoo(fullDir).heads.data);
    fs.writeFileSync(path.join(dir, RUN_FILE), JSON.stringify({ configSha256: configHash(old), config: old }));
    assert.throws(() => buildTaskZoo({ ...config, plan: { ...config.plan, extraTrainTasksPerVariant: 1 } }, dir, undefined, sources),
      (err: Error) => err instanceof ConfigMismatchError && err.message.includes('plan.extraTrainTasksPerVariant'));
  });

  it('never trains anything on held-out tasks, held-out variants, unseen classes, val or test', () => {
    const zoo = openTaskZoo(fullDir);
    assert.deepEqual(zoo.plan.unseenClasses, planTasks(config.plan).unseenClasses, 'the manifest keeps the unseen classes');
    const heldOutCombos = new Set(zoo.plan.heldOut.filter((t) => t.novelty !== 'variant').map((t) => comboKey(t.spec)));
    for (const task of zoo.tasks) {
      assert.ok(!heldOutCombos.has(comboKey(task.spec)), `${task.id} uses a held-out combination`);
      assert.ok(!task.spec.classes.some((c) => zoo.plan.unseenClasses[task.spec.source]!.includes(c)), `${task.id} uses an unseen class`);
      assert.ok(!config.plan.heldOutVariants.includes(task.spec.variant), `${task.id} uses a held-out variant`);
      const source = sources[task.spec.source] as DataSplits;
      assert.equal(task.trainSize, source.train.labels.filter((l) => task.spec.classes.includes(l)).length, 'heads fit on the training split');
    }
    // The extractor's training state names the data it was trained on: the identity base set.
    const base = extractorBaseSet(sources, config.plan.sources, 'train', config.extractor.perClass, zoo.plan.unseenClasses, config.data.seed);
    const trained = JSON.parse(readSafetensors(path.join(fullDir, EXTRACTOR_STATE_FILE)).metadata.config) as { images: string };
    assert.equal(trained.images, dataFingerprint(base.images));
    assert.deepEqual([base.numClasses, new Set(base.labels).size], [16, 16]);
    const baseImages = new Set(imageKeys(base));
    for (const s of config.plan.sources) {
      const { train } = sources[s] as DataSplits;
      const unseenImages = imageKeys(train).filter((_, i) => zoo.plan.unseenClasses[s]!.includes(train.labels[i]));
      assert.ok(unseenImages.length > 0 && unseenImages.every((k) => !baseImages.has(k)), `an unseen ${s} class reached the extractor`);
    }
    const identityTrain = new Set(config.plan.sources.flatMap((s) => imageKeys((sources[s] as DataSplits).train)));
    assert.ok([...baseImages].every((k) => identityTrain.has(k)), 'only identity training images');
    for (const s of config.plan.sources) {
      const splits = sources[s] as DataSplits;
      for (const ds of [splits.val, splits.test, ...config.plan.heldOutVariants.map((v) => applyVariant(splits.train, v, SOURCE_STATS[s]))]) {
        assert.ok(imageKeys(ds).every((k) => !baseImages.has(k)), `${ds.name} reached the extractor`);
      }
    }
  });

  it('trains reference heads on a held-out task, including the unseen variant', () => {
    const zoo = openTaskZoo(fullDir);
    const unseen = zoo.plan.heldOut.find((t) => t.novelty === 'combinationAndVariant')!;
    assert.equal(unseen.spec.variant, 'rot180');
    const scored = trainTaskHeads(taskFeatures(zoo.features, unseen.spec), config.heads, 0);
    assert.equal(scored.valAccuracy.length, config.heads.headsPerTask);
    assert.ok(scored.valAccuracy.every((a) => a >= 0 && a <= 1));
  });

  it('resumes after an interruption with the same heads as an uninterrupted build', () => {
    const dir = dirs.make();
    const killAt = (at: string, n: number) => (stage: string, step: number) => {
      if (stage === at && step === n) throw new Error('killed');
    };
    assert.throws(() => buildTaskZoo(config, dir, killAt('features', 5), sources), /killed/);
    assert.equal(fs.readdirSync(path.join(dir, 'features')).length, 5);
    const computed = fs.statSync(path.join(dir, 'features', 'mnist.identity.train.safetensors')).mtimeMs;
    assert.throws(() => buildTaskZoo(config, dir, killAt('heads', 5), sources), /killed/);
    assert.equal(fs.statSync(path.join(dir, 'features', 'mnist.identity.train.safetensors')).mtimeMs, computed, 'cached features are kept');
    assert.equal(loadTaskZoo(dir).manifest.tasks.length, 5);
    // A kill between the two writes: one more task's rows in the heads file than the manifest lists.
    const { tensors } = readSafetensors(path.join(dir, HEADS_FILE));
    const [count, dim] = tensors[0].shape;
    writeSafetensors(path.join(dir, HEADS_FILE), [{ name: 'heads', shape: [count + 2, dim], data: Float32Array.from([...tensors[0].data, ...new Float32Array(2 * dim).fill(7)]) }]);
    assert.throws(() => loadTaskZoo(dir), (err: Error) => err instanceof FileFormatError && /describes 10 heads/.test(err.message));
    const stages: string[] = [];
    const zoo = buildTaskZoo(config, dir, (stage) => stages.push(stage), sources);
    assert.ok(!stages.includes('extractor'), 'the extractor is not trained again');
    assert.equal(stages.filter((s) => s === 'heads').length, 12 - 5);
    assert.deepEqual(zoo.heads.data, openTaskZoo(fullDir).heads.data);
    assert.deepEqual(zoo.tasks, openTaskZoo(fullDir).tasks);
  });

  it('refuses corrupt or mismatched files, another config and unfinished zoos with clear errors', () => {
    const dir = dirs.make();
    for (const f of fs.readdirSync(fullDir)) fs.cpSync(path.join(fullDir, f), path.join(dir, f), { recursive: true });
    const manifestFile = path.join(dir, TASKS_FILE);
    const text = fs.readFileSync(manifestFile, 'utf8');
    fs.writeFileSync(manifestFile, text.slice(0, 200));
    assert.throws(() => openTaskZoo(dir), (err: Error) => err instanceof FileFormatError && err.message.includes(TASKS_FILE) && /not valid JSON/.test(err.message));
    const json = JSON.parse(text);
    const corrupt = (change: (j: typeof json) => void, pattern: RegExp) => {
      const copy = JSON.parse(text);
      change(copy);
      fs.writeFileSync(manifestFile, JSON.stringify(copy));
      assert.throws(() => openTaskZoo(dir), (err: Error) => err instanceof FileFormatError && pattern.test(err.message));
    };
    corrupt((j) => { j.tasks[2].firstHead = 3; }, /tasks\[2\].*heads start at 3/);
    corrupt((j) => { j.tasks[1].id = j.tasks[2].id; }, /tasks\[1\].*id does not match its spec/);
    corrupt((j) => { j.tasks[0].valAccuracy = [0.5]; }, /need 2 entries/);
    corrupt((j) => { j.headsSha256 = '0'.repeat(64); }, /does not match the checksum/);
    corrupt((j) => { delete j.extractor; }, /extractor: missing/);
    fs.writeFileSync(manifestFile, JSON.stringify({ ...json, tasks: json.tasks.slice(0, 4), count: 8, headsSha256: json.headsSha256 }));
    assert.throws(() => loadTaskZoo(dir), FileFormatError);
    fs.writeFileSync(manifestFile, text);
    assert.equal(openTaskZoo(dir).tasks.length, 12);
    assert.throws(() => buildTaskZoo({ ...config, seed: 1 }, dir, undefined, sources), (err: Error) => err instanceof ConfigMismatchError && err.message.includes('seed'));
    const feature = path.join(dir, 'features', 'mnist.rot180.val.safetensors');
    const { tensors } = readSafetensors(feature);
    writeSafetensors(feature, tensors, { extractorSha256: 'another', source: 'mnist', variant: 'rot180', split: 'val' });
    assert.throws(() => taskFeatures(openTaskZoo(dir).features, { source: 'mnist', classes: [0, 1, 2, 3, 4], variant: 'rot180' }), /another extractor/);
    fs.rmSync(dir, { recursive: true });
    const unfinished = dirs.make();
    assert.throws(() => buildTaskZoo(config, unfinished, (stage, step) => { if (stage === 'heads' && step === 2) throw new Error('stop'); }, sources), /stop/);
    assert.throws(() => openTaskZoo(unfinished), (err: Error) => err instanceof InputError && /unfinished \(2 of 12/.test(err.message));
  });

  it('caps per class apply to the cached features', () => {
    const dir = dirs.make();
    const capped = { ...config, data: { ...config.data, trainPerClass: 3, valPerClass: 2 } };
    const zoo = buildTaskZoo(capped, dir, undefined, sources);
    const f = taskFeatures(zoo.features, zoo.tasks[0].spec);
    assert.deepEqual(f.trainByClass.map((c) => c.count), [3, 3, 3, 3, 3]);
    assert.equal(f.val.count, 10);
    assert.equal(f.test.count, (sources.mnist as DataSplits).test.labels.filter((l) => zoo.tasks[0].spec.classes.includes(l)).length);
  });

  it('a cap keeps images drawn with the data seed, in dataset order: another seed, other images', () => {
    const { train } = sources.mnist as DataSplits;
    const draw = (seed: number) => drawPerClass(train, 4, seed);
    assert.deepEqual(draw(3).images, draw(3).images);
    const keys = imageKeys(draw(3));
    assert.notDeepEqual(keys, imageKeys(draw(4)));
    assert.deepEqual(Array.from({ length: 10 }, (_, c) => draw(3).labels.filter((l) => l === c).length), new Array(10).fill(4));
    const all = imageKeys(train);
    const positions = keys.map((k) => all.indexOf(k));
    assert.ok(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1])), 'a subset of the split, in its order');
    assert.notDeepEqual(keys, imageKeys(capPerClass(train, 4)), 'not simply the first images of each class');
  });
});
