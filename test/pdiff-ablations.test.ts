import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  collectionDir, layerVariants, noiseVariants, preset, runVariants, snapshotCountVariants,
} from '../lib/pdiff';
import { BASE_MODEL_FILE, snapshotSteps, ZOO_DIR } from '../lib/zoo';
import { report } from '../lib/pdiff';

const { ablationFigure, ablationTable, noveltyTable } = report;
import { tinyConfig, tinyData } from './helpers/tiny-pdiff';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-ablation-'));
const standard = preset('standard');

describe('p-diff ablation variants', () => {
  it('K variants fine-tune equally long, long enough for the largest K, and differ only in K', () => {
    // 1,000 images at batch 128: 8 steps per epoch; K = 200 needs 25 epochs.
    const variants = snapshotCountVariants(standard, [1, 10, 50, 200], 1000);
    assert.deepEqual(variants.map((v) => v.setting), ['K = 1', 'K = 10', 'K = 50', 'K = 200']);
    for (const v of variants) {
      assert.equal(v.config.collect.finetuneEpochs, 25);
      assert.equal(v.config.collect.snapshots, Number(v.setting.slice(4)));
      assert.equal(snapshotSteps(8 * 25, v.config.collect.snapshots).length, v.config.collect.snapshots);
      assert.deepEqual(v.config.noiseSigmas, []);
      assert.deepEqual({ ...v.config.collect, finetuneEpochs: 0, snapshots: 0, saveEvery: 0 },
        { ...standard.collect, finetuneEpochs: 0, snapshots: 0, saveEvery: 0 });
    }
    // Enough steps already: the epochs stay.
    assert.equal(snapshotCountVariants(standard, [10], 55000)[0].config.collect.finetuneEpochs, standard.collect.finetuneEpochs);
    assert.throws(() => snapshotCountVariants(standard, [0], 1000), /positive integers/);
  });

  it('noise variants switch the input and latent noise of the autoencoder on and off', () => {
    const got = noiseVariants(standard).map((v) => [v.setting, v.config.autoencoder.inputNoise, v.config.autoencoder.latentNoise]);
    assert.deepEqual(got, [['none', 0, 0], ['input only', 0.001, 0], ['latent only', 0, 0.1], ['both', 0.001, 0.1]]);
  });

  it('layer variants generate the given subsets', () => {
    const got = layerVariants(standard, [['bn3/*'], ['bn3/*', 'fc/*']]).map((v) => [v.setting, v.config.collect.subset]);
    assert.deepEqual(got, [['bn3/*', ['bn3/*']], ['bn3/* + fc/*', ['bn3/*', 'fc/*']]]);
  });

  it('collection directories: shared by equal stage-1 settings, the base model copied to new siblings', () => {
    const root = tmp();
    const [none, both] = noiseVariants(standard).map((v) => collectionDir(root, v.config));
    assert.equal(none, both);
    const reordered = { ...standard, collect: Object.fromEntries(Object.entries(standard.collect).reverse()) as typeof standard.collect };
    assert.equal(collectionDir(root, reordered), none, 'field order does not matter');
    fs.writeFileSync(path.join(none, BASE_MODEL_FILE), 'trained base model');
    const fc = collectionDir(root, layerVariants(standard, [['fc/*']])[0].config);
    assert.notEqual(fc, none);
    assert.equal(path.dirname(fc), path.dirname(none));
    assert.equal(fs.readFileSync(path.join(fc, BASE_MODEL_FILE), 'utf8'), 'trained base model');
    const otherSeed = collectionDir(root, { ...standard, seed: 1 });
    assert.notEqual(path.dirname(otherSeed), path.dirname(none));
    assert.equal(fs.existsSync(path.join(otherSeed, BASE_MODEL_FILE)), false);
  });
});

describe('p-diff ablation runs (tiny)', () => {
  it('measure each variant; noise variants share one collection, so their originals are the same models', () => {
    const root = tmp();
    const variants = noiseVariants(tinyConfig).filter((v) => v.setting === 'none' || v.setting === 'both');
    const seen: string[] = [];
    const results = runVariants(variants, tinyData, { root, onVariant: (v) => seen.push(v.setting) });
    assert.deepEqual(seen, ['none', 'both']);
    const [none, both] = results;
    assert.deepEqual(none.results.populations.originals.test, both.results.populations.originals.test);
    assert.notDeepEqual(none.results.training.autoencoderLoss, both.results.training.autoencoderLoss, 'the noise setting took effect');
    const entries: string[] = fs.readdirSync(root, { recursive: true }).map(String);
    const zoos = entries.filter((p) => path.basename(p) === ZOO_DIR);
    assert.equal(zoos.length, 1, 'one collection on disk');

    const rows = ablationTable(results);
    assert.deepEqual(rows.map((r) => r.setting), ['none', 'both']);
    assert.equal(rows[1]['p-diff best'], Number((100 * both.results.generated.best).toFixed(2)));
    assert.equal(rows[0]['orig. median'], Number((100 * none.results.originals.median).toFixed(2)));
    const novelty = noveltyTable(none.results);
    assert.deepEqual(novelty.map((r) => r.models), ['generated', 'originals']);
    const generatedIoU = none.results.populations.generated.maxIoU;
    assert.equal(novelty[0]['max IoU max'], Number(Math.max(...generatedIoU).toFixed(4)));
    assert.equal(novelty[0]['max IoU mean'], Number((generatedIoU.reduce((a, b) => a + b, 0) / generatedIoU.length).toFixed(4)));
    const figure = ablationFigure(results, 'noise');
    assert.deepEqual(figure.data.map((t) => (t.y as number[]).length), [2 * tinyConfig.collect.snapshots, 2 * tinyConfig.generated]);
    assert.deepEqual(new Set(figure.data[1].x as string[]), new Set(['none', 'both']));
  });
});
