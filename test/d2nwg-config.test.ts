import { strict as assert } from 'node:assert';
import { checkD2nwgConfig, d2nwgSeeds, preset, presets } from '../lib/d2nwg';
import { planTasks } from '../lib/d2nwg/task-zoo/tasks';
import { InputError } from '../lib/util/errors';

describe('D2NWG presets and seeds', () => {
  it('seeds are the offsets the reported numbers were measured with', () => {
    assert.deepEqual(d2nwgSeeds(10), {
      plan: 10, data: 10, zoo: 10, extractor: 10, vae: 11, vaeQueries: 16, conditions: 12, encoder: 13, conditional: 14, unconditional: 15,
      evaluation: 1010, retrieval: 2010, selection: 3010,
    });
  });

  it('every stage after the task zoo draws from a seed of its own', () => {
    const { plan, data, zoo, extractor, ...stages } = d2nwgSeeds(0);
    assert.equal(new Set([plan, data, zoo, extractor]).size, 1, 'the plan, the data, the zoo\'s heads and the extractor are seeded alike (their own generators)');
    assert.equal(new Set(Object.values(stages)).size, Object.keys(stages).length, JSON.stringify(stages));
  });

  it('a preset takes the master seed and derives the task zoo\'s seeds from it (plan and data included), as a copy', () => {
    const config = preset('smoke', 7);
    assert.deepEqual([config.seed, config.zoo.seed, config.zoo.extractor.seed, config.zoo.plan.seed, config.zoo.data.seed], [7, 7, 7, 7, 7]);
    config.zoo.heads.epochs = 99;
    assert.notEqual(presets.smoke.zoo.heads.epochs, 99);
    assert.equal(presets.smoke.seed, 0);
  });

  it('another seed gives another task plan: held-out tasks, unseen classes and training tasks', () => {
    const [a, b] = [0, 1].map((seed) => planTasks(preset('quick', seed).zoo.plan));
    assert.notDeepEqual(a.heldOut.map((t) => t.id), b.heldOut.map((t) => t.id));
    assert.notDeepEqual(a.unseenClasses, b.unseenClasses);
    assert.deepEqual(planTasks(preset('quick', 1).zoo.plan), b, 'and the same seed the same plan');
  });

  it('no preset fixes a guidance scale: it is chosen among candidates, and bad choice lists are refused', () => {
    for (const config of Object.values(presets)) {
      assert.ok(!('guidance' in config.sampling), `${config.preset} sets sampling.guidance`);
      checkD2nwgConfig(config);
    }
    const smoke = preset('smoke');
    assert.throws(() => checkD2nwgConfig({ ...smoke, selection: { ...smoke.selection, guidance: [] } }), /selection.guidance/);
    assert.throws(() => checkD2nwgConfig({ ...smoke, selection: { ...smoke.selection, shotHeadSteps: [25, 5] } }), /selection.shotHeadSteps must be ascending/);
    assert.throws(() => checkD2nwgConfig({ ...smoke, draws: 0 }), /draws must be a positive integer/);
  });

  it('refuses an unknown preset, naming the known ones', () => {
    for (const name of ['large', 'toString']) {
      assert.throws(() => preset(name), (err: Error) => err instanceof InputError && err.message.includes('smoke, quick, standard'));
    }
  });
});
