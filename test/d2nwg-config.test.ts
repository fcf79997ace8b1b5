import { strict as assert } from 'node:assert';
import { d2nwgSeeds, preset, presets } from '../lib/d2nwg';
import { InputError } from '../lib/util/errors';

describe('D2NWG presets and seeds', () => {
  it('seeds are the offsets the reported numbers were measured with', () => {
    assert.deepEqual(d2nwgSeeds(10), {
      zoo: 10, extractor: 10, vae: 11, conditions: 12, encoder: 13, conditional: 14, unconditional: 15, evaluation: 1010, retrieval: 2010,
    });
  });

  it('every stage after the task zoo draws from a seed of its own', () => {
    const { zoo, extractor, ...stages } = d2nwgSeeds(0);
    assert.equal(zoo, extractor, 'the zoo\'s heads and the extractor are seeded alike (their own generators)');
    assert.equal(new Set(Object.values(stages)).size, Object.keys(stages).length, JSON.stringify(stages));
  });

  it('a preset takes the master seed and derives the task zoo\'s seeds from it, as a copy', () => {
    const config = preset('smoke', 7);
    assert.deepEqual([config.seed, config.zoo.seed, config.zoo.extractor.seed], [7, 7, 7]);
    config.zoo.heads.epochs = 99;
    assert.notEqual(presets.smoke.zoo.heads.epochs, 99);
    assert.equal(presets.smoke.seed, 0);
  });

  it('refuses an unknown preset, naming the known ones', () => {
    for (const name of ['large', 'toString']) {
      assert.throws(() => preset(name), (err: Error) => err instanceof InputError && err.message.includes('smoke, quick, standard'));
    }
  });
});
