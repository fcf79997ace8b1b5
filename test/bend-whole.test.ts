// BEND with whole networks as members, on the whole-smoke run (an MLP zoo on the embedded digits).
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { findMethod } from '../lib/bend/methods';
import { runWholeBend, wholeBendPreset } from '../lib/bend/whole';
import { loadData } from '../lib/pdiff/data';
import { tmpDirs } from './helpers/tmp-dirs';

const dirs = tmpDirs('bend-whole');
after(dirs.cleanup);

describe('BEND over whole networks', function () {
  this.timeout(600_000);

  it('ensembles generated whole networks against the zoo of full networks, with baselines, OOD and no tensors left', () => {
    const config = wholeBendPreset('whole-smoke', 0);
    const m = config.whole.generated;
    assert.ok(config.calibrationSizes.includes(m) && config.ensembleSizes.every((s) => s <= m));
    const data = loadData({ dataset: config.whole.dataset, seed: 0 });
    const ood = { ...data.test, name: 'test images as a stand-in' }; // no Fashion-MNIST needed: the machinery, not the numbers
    const before = tf.memory().numTensors;
    const results = runWholeBend({ ...config, ood: { images: 50 } }, data, { outDir: dirs.make(), ood });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(results.counts, { generated: m, originals: config.whole.zoo.members, deepEnsemble: config.deepEnsemble.size });
    const zoo = findMethod(results.methods, 'zoo ensemble');
    const plus = findMethod(results.methods, 'zoo + sBEND', config.whole.zoo.members + m);
    for (const row of [zoo, plus, findMethod(results.methods, 'sBEND', m), findMethod(results.methods, 'weight average')]) {
      assert.ok(row.test.accuracy > 0.1 && row.test.accuracy <= 1, `${row.method}: ${row.test.accuracy}`);
      assert.ok(Number.isFinite(row.test.nll) && Number.isFinite(row.ood.msp));
    }
    assert.equal(results.subset.patterns[0], '**');
    assert.ok(results.cost.bend.diffusion > 0, 'the generator has a cost');
  });
});
