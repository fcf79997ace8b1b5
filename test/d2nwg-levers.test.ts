import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkD2nwgConfig, claimDir, D2NWG_LEVER_NAMES, preset, presets } from '../lib/d2nwg';
import { behaviourQueries } from '../lib/d2nwg/queries';
import { checkTaskZooConfig } from '../lib/d2nwg/task-zoo/config';
import { defaultVaeBehaviourConfig } from '../lib/vae';
import { planTasks } from '../lib/d2nwg/task-zoo/tasks';
import { configHash, differingFields } from '../lib/util/config-diff';
import { ConfigMismatchError, InputError } from '../lib/util/errors';
import { RUN_FILE } from '../lib/util/run-dir';
import { tmpDirs } from './helpers/tmp-dirs';

/** The fields each lever switches (besides the preset's name). */
const SWITCHES: Record<string, string[]> = {
  prototypes: ['conditionOn'],
  'latent-64': ['vae.latentDim'],
  'more-tasks': ['zoo.plan.extraTrainTasksPerVariant'],
  'several-conditions': ['conditionsPerHead'],
  official: ['align.targets', 'align.temperature', 'align.temperatureMode', 'vaeLoss'],
  behaviour: ['vaeTrain.behaviour'],
};

describe('D2NWG levers toward the target', () => {
  const dirs = tmpDirs('d2nwg-levers');
  after(dirs.cleanup);

  it('each lever preset is its base with exactly its switch, at every seed and scale', () => {
    assert.deepEqual(D2NWG_LEVER_NAMES, Object.keys(SWITCHES));
    for (const base of ['smoke', 'quick', 'standard']) {
      for (const lever of D2NWG_LEVER_NAMES) {
        const name = `${base}-${lever}`;
        const config = preset(name, 2);
        assert.equal(config.preset, name);
        assert.deepEqual(differingFields(preset(base, 2), config).sort(), ['preset', ...SWITCHES[lever]].sort(), name);
        checkD2nwgConfig(config);
        checkTaskZooConfig(config.zoo);
      }
    }
    const quick = preset('quick');
    assert.deepEqual([quick.conditionOn, quick.vae.latentDim, quick.zoo.plan.extraTrainTasksPerVariant, quick.conditionsPerHead, quick.vaeLoss, quick.vaeTrain.behaviour],
      ['embeddings', 16, 0, 1, 'mse', null]);
    const levers = Object.fromEntries(D2NWG_LEVER_NAMES.map((lever) => [lever, preset(`quick-${lever}`)]));
    assert.equal(levers.prototypes.conditionOn, 'prototypes');
    assert.equal(levers['latent-64'].vae.latentDim, 64);
    assert.equal(levers['more-tasks'].zoo.plan.extraTrainTasksPerVariant, quick.zoo.plan.trainTasksPerVariant);
    assert.ok(levers['several-conditions'].conditionsPerHead > 1);
    assert.deepEqual([levers.official.vaeLoss, levers.official.align.targets, levers.official.align.temperature, levers.official.align.temperatureMode],
      ['official', 'soft', 1, 'fixed']);
    assert.deepEqual(levers.behaviour.vaeTrain.behaviour, defaultVaeBehaviourConfig);
    assert.equal(presets.quick.conditionOn, 'embeddings', 'the base presets are not changed');
  });

  it('more-tasks doubles the training tasks and keeps the base\'s held-out tasks, unseen classes and training tasks', () => {
    for (const seed of [0, 1, 2]) {
      const base = planTasks(preset('quick', seed).zoo.plan);
      const more = planTasks(preset('quick-more-tasks', seed).zoo.plan);
      assert.equal(more.train.length, 2 * base.train.length);
      assert.deepEqual(more.train.slice(0, base.train.length), base.train, 'the base\'s tasks first, so their heads (seeded by index) stay');
      assert.equal(new Set(more.train.map((t) => t.id)).size, more.train.length, 'every task once');
      assert.deepEqual(more.heldOut, base.heldOut);
      assert.deepEqual(more.unseenClasses, base.unseenClasses);
      const heldOutCombos = new Set(base.heldOut.filter((t) => t.novelty === 'combination').map((t) => `${t.spec.source}:${t.spec.classes}`));
      assert.ok(more.train.every((t) => !heldOutCombos.has(`${t.spec.source}:${t.spec.classes}`)), 'no extra task uses a held-out combination');
    }
    const plan = preset('quick').zoo.plan;
    assert.throws(() => planTasks({ ...plan, extraTrainTasksPerVariant: 52 }), /2 held-out and 57 training combinations per variant exceed the 56/);
  });

  it('a lever is named <preset>-<lever>; an unknown one is refused naming the levers', () => {
    assert.throws(() => preset('quick-bigger'), (err: Error) => err instanceof InputError &&
      err.message.includes('smoke, quick, standard') && err.message.includes(D2NWG_LEVER_NAMES.join(', ')));
  });

  it('a run directory pinned before conditionsPerHead, extra training tasks and the VAE\'s behavioural term existed is still accepted, another value refused', () => {
    const dir = dirs.make();
    const old = structuredClone(preset('quick', 1)) as unknown as Record<string, unknown> & { zoo: { plan: Record<string, unknown> }; vaeTrain: Record<string, unknown> };
    delete old.conditionsPerHead;
    delete old.zoo.plan.extraTrainTasksPerVariant;
    delete old.vaeTrain.behaviour;
    fs.writeFileSync(path.join(dir, RUN_FILE), JSON.stringify({ configSha256: configHash(old), config: old }));
    claimDir(dir, preset('quick', 1));
    fs.writeFileSync(path.join(dir, RUN_FILE), JSON.stringify({ configSha256: configHash(old), config: old }));
    assert.throws(() => claimDir(dir, { ...preset('quick', 1), conditionsPerHead: 2 }),
      (err: Error) => err instanceof ConfigMismatchError && err.message.includes('conditionsPerHead'));
    fs.writeFileSync(path.join(dir, RUN_FILE), JSON.stringify({ configSha256: configHash(old), config: old }));
    const quick = preset('quick', 1);
    assert.throws(() => claimDir(dir, { ...quick, vaeTrain: { ...quick.vaeTrain, behaviour: defaultVaeBehaviourConfig } }),
      (err: Error) => err instanceof ConfigMismatchError && err.message.includes('vaeTrain.behaviour'));
  });

  it('refuses a conditionsPerHead that is not a positive integer, and a bad behavioural term, before any work', () => {
    assert.throws(() => checkD2nwgConfig({ ...preset('smoke'), conditionsPerHead: 0 }), /conditionsPerHead must be a positive integer, got 0/);
    const smoke = preset('smoke-behaviour');
    assert.throws(() => checkD2nwgConfig({ ...smoke, vaeTrain: { ...smoke.vaeTrain, behaviour: { weight: Number.NaN, queries: 8 } } }),
      (err: Error) => err instanceof InputError && /vaeTrain.behaviour.weight must be a finite number ≥ 0, got NaN/.test(err.message));
    assert.throws(() => checkD2nwgConfig({ ...smoke, vaeTrain: { ...smoke.vaeTrain, behaviour: { weight: 1, queries: 0 } } }),
      (err: Error) => err instanceof InputError && /vaeTrain.behaviour.queries must be a positive integer, got 0/.test(err.message));
  });

  it('the behavioural query set: training tasks\' training rows, the tasks in turn, no row twice from a task, fixed by its seed', () => {
    // Task t's training row r is the vector [t, r]: a query says where it came from.
    const task = (t: number, count: number) => ({ train: { count, dim: 2, data: Float32Array.from({ length: 2 * count }, (_, i) => (i % 2 ? Math.floor(i / 2) : t)), labels: new Int32Array(count), numClasses: 1 } });
    const tasks = [task(0, 5), task(1, 4), task(2, 6)];
    const queries = behaviourQueries(tasks, 10, 7);
    assert.deepEqual([queries.count, queries.dim], [10, 2]);
    const from = Array.from({ length: 10 }, (_, j) => [queries.data[2 * j], queries.data[2 * j + 1]]);
    assert.deepEqual(from.map(([t]) => t), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
    for (const t of [0, 1, 2]) {
      const rows = from.filter(([u]) => u === t).map(([, r]) => r);
      assert.equal(new Set(rows).size, rows.length, `task ${t}: no row twice`);
      assert.ok(rows.every((r) => r < tasks[t].train.count));
    }
    assert.deepEqual(behaviourQueries(tasks, 10, 7), queries);
    assert.notDeepEqual(behaviourQueries(tasks, 10, 8), queries);
    assert.throws(() => behaviourQueries(tasks, 14, 7), /takes 5 training images of a task that has 4/);
  });
});
