import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkD2nwgConfig, claimDir, D2NWG_LEVER_NAMES, preset, presets } from '../lib/d2nwg';
import { checkTaskZooConfig } from '../lib/d2nwg/task-zoo/config';
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
    assert.deepEqual([quick.conditionOn, quick.vae.latentDim, quick.zoo.plan.extraTrainTasksPerVariant, quick.conditionsPerHead, quick.vaeLoss], ['embeddings', 16, 0, 1, 'mse']);
    const levers = Object.fromEntries(D2NWG_LEVER_NAMES.map((lever) => [lever, preset(`quick-${lever}`)]));
    assert.equal(levers.prototypes.conditionOn, 'prototypes');
    assert.equal(levers['latent-64'].vae.latentDim, 64);
    assert.equal(levers['more-tasks'].zoo.plan.extraTrainTasksPerVariant, quick.zoo.plan.trainTasksPerVariant);
    assert.ok(levers['several-conditions'].conditionsPerHead > 1);
    assert.deepEqual([levers.official.vaeLoss, levers.official.align.targets, levers.official.align.temperature, levers.official.align.temperatureMode],
      ['official', 'soft', 1, 'fixed']);
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

  it('a run directory pinned before conditionsPerHead and extra training tasks existed is still accepted, another value refused', () => {
    const dir = dirs.make();
    const old = structuredClone(preset('quick', 1)) as unknown as Record<string, unknown> & { zoo: { plan: Record<string, unknown> } };
    delete old.conditionsPerHead;
    delete old.zoo.plan.extraTrainTasksPerVariant;
    fs.writeFileSync(path.join(dir, RUN_FILE), JSON.stringify({ configSha256: configHash(old), config: old }));
    claimDir(dir, preset('quick', 1));
    fs.writeFileSync(path.join(dir, RUN_FILE), JSON.stringify({ configSha256: configHash(old), config: old }));
    assert.throws(() => claimDir(dir, { ...preset('quick', 1), conditionsPerHead: 2 }),
      (err: Error) => err instanceof ConfigMismatchError && err.message.includes('conditionsPerHead'));
  });

  it('refuses a conditionsPerHead that is not a positive integer', () => {
    assert.throws(() => checkD2nwgConfig({ ...preset('smoke'), conditionsPerHead: 0 }), /conditionsPerHead must be a positive integer, got 0/);
  });
});
