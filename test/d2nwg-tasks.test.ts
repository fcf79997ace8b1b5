import { strict as assert } from 'node:assert';
import {
  applyVariant, capPerClass, comboKey, FASHION_MNIST_MEAN, FASHION_MNIST_STD, IMAGE_VARIANTS, MNIST_MEAN, MNIST_STD,
  normalizePixels, parseTaskId, taskDataset, taskId, taskSplits, type ImageDataset, type TaskSpec,
} from '../lib/data';
import { combinations, defaultTaskPlanConfig, planTasks, type TaskPlanConfig } from '../lib/d2nwg/task-zoo/tasks';
import { checkTaskZooConfig, taskZooPreset, taskZooPresets } from '../lib/d2nwg/task-zoo/config';
import { InputError } from '../lib/util/errors';

const stats = { mean: [0], std: [1] };

/** One image of shape [h, w, c] holding `values`, label 0. */
function image(values: number[], shape: [number, number, number]): ImageDataset {
  return { name: 'img', images: Float32Array.from(values), labels: Int32Array.from([0]), shape, numClasses: 1 };
}

const pixels = (ds: ImageDataset) => [...ds.images];

describe('D2NWG data: image variants', () => {
  // 2×3 image  [[1, 2, 3],
  //             [4, 5, 6]]
  const img = image([1, 2, 3, 4, 5, 6], [2, 3, 1]);

  it('rotates and flips exactly (numpy rot90 convention: counter-clockwise)', () => {
    const cases: Record<string, [number[], number[]]> = {
      identity: [[1, 2, 3, 4, 5, 6], [2, 3, 1]],
      rot90: [[3, 6, 2, 5, 1, 4], [3, 2, 1]],
      rot180: [[6, 5, 4, 3, 2, 1], [2, 3, 1]],
      rot270: [[4, 1, 5, 2, 6, 3], [3, 2, 1]],
      hflip: [[3, 2, 1, 6, 5, 4], [2, 3, 1]],
      vflip: [[4, 5, 6, 1, 2, 3], [2, 3, 1]],
    };
    for (const [variant, [values, shape]] of Object.entries(cases)) {
      const out = applyVariant(img, variant as (typeof IMAGE_VARIANTS)[number], stats);
      assert.deepEqual(pixels(out), values, variant);
      assert.deepEqual(out.shape, shape, variant);
    }
  });

  it('keeps channels together and handles several images', () => {
    // Two 2×2 images with 2 channels: pixel (i, j) of image n holds (10n + 2i + j, −(10n + 2i + j)).
    const values: number[] = [];
    for (const n of [0, 1]) for (let p = 0; p < 4; p++) values.push(10 * n + p, -(10 * n + p));
    const ds: ImageDataset = { name: 'two', images: Float32Array.from(values), labels: Int32Array.from([3, 4]), shape: [2, 2, 2], numClasses: 5 };
    const out = applyVariant(ds, 'rot90', { mean: [0, 0], std: [1, 1] });
    // rot90 of [[0, 1], [2, 3]] is [[1, 3], [0, 2]].
    assert.deepEqual(pixels(out), [1, -1, 3, -3, 0, 0, 2, -2, 11, -11, 13, -13, 10, -10, 12, -12]);
    assert.deepEqual([...out.labels], [3, 4]);
  });

  it('inverts intensities in normalised space: p ↦ 1 − p for MNIST and Fashion-MNIST statistics', () => {
    const raw = [0, 0.25, 1, 0.5];
    for (const [mean, std] of [[MNIST_MEAN, MNIST_STD], [FASHION_MNIST_MEAN, FASHION_MNIST_STD]]) {
      const s = { mean: [mean], std: [std] };
      const out = applyVariant(image([...normalizePixels(raw, s, 1)], [2, 2, 1]), 'invert', s);
      const expected = normalizePixels(raw.map((p) => 1 - p), s, 1);
      out.images.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `pixel ${i}: ${v} vs ${expected[i]}`));
      // Twice is the identity.
      const back = applyVariant(out, 'invert', s);
      back.images.forEach((v, i) => assert.ok(Math.abs(v - normalizePixels(raw, s, 1)[i]) < 1e-6));
    }
  });

  it('refuses unknown variants and stats of the wrong channel count', () => {
    assert.throws(() => applyVariant(img, 'shear' as 'identity', stats), /unknown image variant "shear"/);
    assert.throws(() => applyVariant(img, 'invert', { mean: [0, 0], std: [1, 1] }), /1 channels but the stats give 2/);
  });
});

describe('D2NWG data: tasks', () => {
  /** 20 images of shape [1, 2, 1]: image i holds (i, −i), label i % 10. */
  const source: ImageDataset = {
    name: 'src', images: Float32Array.from({ length: 40 }, (_, k) => (k % 2 ? -1 : 1) * Math.floor(k / 2)),
    labels: Int32Array.from({ length: 20 }, (_, i) => i % 10), shape: [1, 2, 1], numClasses: 10,
  };

  it('ids round-trip and name source, classes and variant', () => {
    const spec: TaskSpec = { source: 'mnist', classes: [0, 3, 5, 7, 9], variant: 'rot90' };
    assert.equal(taskId(spec), 'mnist:0-3-5-7-9:rot90');
    assert.deepEqual(parseTaskId('fashion-mnist:1-2-4-6-8:invert'), { source: 'fashion-mnist', classes: [1, 2, 4, 6, 8], variant: 'invert' });
    assert.equal(comboKey(spec), 'mnist:0-3-5-7-9');
    for (const bad of ['mnist:0-3:rot45', 'cifar:0-1:identity', 'mnist:0-x:identity', 'mnist:3-1:identity']) assert.throws(() => parseTaskId(bad), InputError);
  });

  it('filters to the classes, relabels in sorted order and applies the variant', () => {
    const task = taskDataset(source, { source: 'mnist', classes: [2, 7, 9], variant: 'hflip' });
    assert.deepEqual([...task.labels], [0, 1, 2, 0, 1, 2]);
    // Images 2, 7, 9, 12, 17, 19, each (i, −i) mirrored to (−i, i).
    assert.deepEqual(pixels(task), [-2, 2, -7, 7, -9, 9, -12, 12, -17, 17, -19, 19]);
    assert.equal(task.numClasses, 3);
    const splits = taskSplits({ train: source, val: source, test: source }, { source: 'mnist', classes: [0, 1], variant: 'identity' });
    assert.deepEqual([...splits.val.labels], [0, 1, 0, 1]);
  });

  it('rejects duplicate, unsorted and out-of-range classes', () => {
    const spec = (classes: number[]): TaskSpec => ({ source: 'mnist', classes, variant: 'identity' });
    assert.throws(() => taskDataset(source, spec([1, 1, 2])), /listed twice/);
    assert.throws(() => taskDataset(source, spec([3, 1, 2])), /must be sorted/);
    assert.throws(() => taskDataset(source, spec([1, 10])), /outside \[0, 10\)/);
    assert.throws(() => taskDataset(source, spec([4])), /at least 2 classes/);
  });

  it('capPerClass keeps the first n of each class in order', () => {
    const capped = capPerClass(source, 1);
    assert.deepEqual([...capped.labels], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(capped.images[2], 1);
    assert.equal(capPerClass(source, null), source);
    assert.throws(() => capPerClass(source, 0), InputError);
  });
});

describe('D2NWG task plan', () => {
  const config: TaskPlanConfig = { ...defaultTaskPlanConfig, trainTasksPerVariant: 30, heldOutCombos: 4, seenCombosInHeldOutVariants: 3, seed: 7 };

  it('enumerates combinations', () => {
    assert.equal(combinations(10, 5).length, 252);
    assert.deepEqual(combinations(4, 2), [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]);
  });

  it('names each held-out task by what is new about it; unseen classes appear in no training task', () => {
    const plan = planTasks(config);
    assert.equal(plan.train.length, 2 * 3 * 30);
    assert.equal(new Set(plan.train.map((t) => t.id)).size, plan.train.length, 'no training task twice');
    const trainCombos = new Set(plan.train.map((t) => comboKey(t.spec)));
    const trainIds = new Set(plan.train.map((t) => t.id));
    const trainClasses = new Set(plan.train.flatMap((t) => t.spec.classes.map((c) => `${t.spec.source}:${c}`)));
    for (const source of config.sources) {
      const unseen = plan.unseenClasses[source]!;
      assert.equal(unseen.length, 2);
      for (const c of unseen) assert.ok(!trainClasses.has(`${source}:${c}`), `${source} class ${c} is unseen yet trains`);
      assert.equal(new Set(plan.train.filter((t) => t.spec.source === source).flatMap((t) => t.spec.classes)).size, 8, 'every other class trains');
    }
    for (const t of plan.heldOut) {
      assert.ok(!trainIds.has(t.id), `${t.id} is also a training task`);
      const newClasses = t.spec.classes.some((c) => !trainClasses.has(`${t.spec.source}:${c}`));
      const newCombination = !trainCombos.has(comboKey(t.spec));
      const newVariant = config.heldOutVariants.includes(t.spec.variant);
      const expected = newClasses ? 'classes' : newCombination && newVariant ? 'combinationAndVariant' : newCombination ? 'combination' : 'variant';
      assert.equal(t.novelty, expected, t.id);
      assert.ok(newCombination || newVariant);
      if (newClasses) {
        assert.ok(plan.unseenClasses[t.spec.source]!.every((c) => t.spec.classes.includes(c)), `${t.id} holds every unseen class`);
        assert.ok(!newVariant, 'unseen classes come in training variants');
      }
    }
    assert.ok(plan.train.every((t) => config.trainVariants.includes(t.spec.variant) && t.spec.classes.length === 5));
    // Per source: 4 unseen combinations × (3 + 1) variants, 3 seen ones in rot180, 2 unseen-class tasks × 3 variants.
    assert.equal(plan.heldOut.length, 2 * (4 * 4 + 3 + 2 * 3));
    const kinds = plan.heldOut.reduce((n, t) => ({ ...n, [t.novelty]: (n[t.novelty] ?? 0) + 1 }), {} as Record<string, number>);
    assert.deepEqual(kinds, { combination: 24, combinationAndVariant: 8, variant: 6, classes: 12 });
  });

  it('without unseen classes, every class trains and no task is of that kind', () => {
    const plan = planTasks({ ...config, unseenClasses: 0, unseenClassTasks: 0 });
    assert.deepEqual(plan.unseenClasses, { mnist: [], 'fashion-mnist': [] });
    assert.ok(!plan.heldOut.some((t) => t.novelty === 'classes'));
    assert.equal(new Set(plan.train.filter((t) => t.spec.source === 'mnist').flatMap((t) => t.spec.classes)).size, 10);
  });

  it('is seeded: the same seed gives the same plan, another seed another', () => {
    assert.deepEqual(planTasks(config), planTasks(config));
    assert.notDeepEqual(planTasks(config).train.map((t) => t.id), planTasks({ ...config, seed: 8 }).train.map((t) => t.id));
  });

  it('refuses configs that would mix training and held-out tasks or cannot be drawn', () => {
    assert.throws(() => planTasks({ ...config, heldOutVariants: ['rot90'] }), /both training and held-out/);
    assert.throws(() => planTasks({ ...config, heldOutVariants: [] }), /heldOutVariants/);
    assert.throws(() => planTasks({ ...config, trainTasksPerVariant: 250 }), /exceed the 56 5-of-8 combinations of the seen classes/);
    assert.throws(() => planTasks({ ...config, trainTasksPerVariant: 1, heldOutCombos: 0, seenCombosInHeldOutVariants: 0, unseenClasses: 5 }), /unseenClasses < plan.ways/);
    assert.throws(() => planTasks({ ...config, unseenClassTasks: 57 }), /exceeds the 56 ways/);
    assert.throws(() => planTasks({ ...config, sources: ['mnist', 'mnist'] }), /distinct/);
    assert.throws(() => planTasks({ ...config, ways: 10 }), /ways/);
  });
});

describe('D2NWG task zoo config', () => {
  it('presets are valid, grow from smoke to standard, and are copies', () => {
    for (const name of Object.keys(taskZooPresets)) checkTaskZooConfig(taskZooPreset(name));
    const sizes = ['smoke', 'quick', 'standard'].map((n) => taskZooPreset(n).plan.trainTasksPerVariant);
    assert.ok(sizes[0] < sizes[1] && sizes[1] < sizes[2]);
    const copy = taskZooPreset('quick');
    copy.plan.sources.pop();
    assert.equal(taskZooPreset('quick').plan.sources.length, 2);
    assert.throws(() => taskZooPreset('huge'), /unknown task zoo preset "huge"/);
  });

  it('refuses bad caps, seeds and head settings before any work', () => {
    const quick = taskZooPreset('quick');
    assert.throws(() => checkTaskZooConfig({ ...quick, data: { ...quick.data, valPerClass: 0 } }), /data.valPerClass/);
    assert.throws(() => checkTaskZooConfig({ ...quick, extractor: { ...quick.extractor, perClass: 2.5 } }), /extractor.perClass/);
    assert.throws(() => checkTaskZooConfig({ ...quick, seed: -1 }), /seed must be an integer/);
    assert.throws(() => checkTaskZooConfig({ ...quick, heads: { ...quick.heads, headsPerTask: 5, snapshotsPerRun: 2 } }), /multiple/);
    assert.throws(() => checkTaskZooConfig({ ...quick, plan: { ...quick.plan, heldOutVariants: ['identity'] } }), /both training and held-out/);
  });
});
