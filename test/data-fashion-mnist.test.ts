import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DatasetNotFoundError,
  fashionMnistSplits,
  findIdxFile,
  findProjectRoot,
  IDX_TRAIN_TEST_FILES,
  locateDataDir,
  locateFashionMnist,
  readIdx,
} from '../lib/data';

describe('data: Fashion-MNIST', () => {
  it('benchmark splits: first 55,000 train, last 5,000 val, 10,000 test', function () {
    let dir: string;
    try {
      dir = locateFashionMnist();
    } catch (err) {
      if (!(err instanceof DatasetNotFoundError)) throw err;
      console.log(`    skipped: ${err.message.replace(/\n/g, '\n    ')}`);
      this.skip();
    }
    const { train, val, test } = fashionMnistSplits(dir);
    assert.deepEqual([train, val, test].map((d) => d.labels.length), [55000, 5000, 10000]);
    for (const d of [train, val, test]) {
      assert.deepEqual(d.shape, [28, 28, 1]);
      assert.equal(d.images.length, d.labels.length * 784);
    }
    // The labels on disk fix which images went where.
    const trainLabels = readIdx(findIdxFile(dir, IDX_TRAIN_TEST_FILES.trainLabels) as string).data;
    const testLabels = readIdx(findIdxFile(dir, IDX_TRAIN_TEST_FILES.testLabels) as string).data;
    assert.deepEqual([...train.labels], [...trainLabels.subarray(0, 55000)]);
    assert.deepEqual([...val.labels], [...trainLabels.subarray(55000)]);
    assert.deepEqual([...test.labels], [...testLabels]);
    // 6,000 training and 1,000 test images per class.
    const perClass = (labels: Int32Array[]) => {
      const counts = new Array<number>(10).fill(0);
      for (const l of labels) for (const c of l) counts[c]++;
      return counts;
    };
    assert.deepEqual(perClass([train.labels, val.labels]), new Array(10).fill(6000));
    assert.deepEqual(perClass([test.labels]), new Array(10).fill(1000));
    // Normalised with the training-set statistics: mean ≈ 0 over the training images.
    let sum = 0;
    for (const v of train.images) sum += v;
    assert.ok(Math.abs(sum / train.images.length) < 0.01, `train pixel mean ${sum / train.images.length}`);
  });

  it('finds the project root from lib/ or any folder below it', () => {
    const root = findProjectRoot();
    assert.equal(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).name, 'paramdiff');
    assert.equal(findProjectRoot(path.join(root, 'lib', 'data')), root);
    assert.throws(() => findProjectRoot(os.tmpdir()), /no package.json named "paramdiff"/);
  });

  it('not found: the error lists every place looked and how to get the data', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-fm-'));
    try {
      const candidates = [
        { dir: undefined, origin: '$SOME_DIR' },
        { dir: path.join(empty, 'absent'), origin: 'project data folder' },
        { dir: empty, origin: 'system' },
      ];
      assert.throws(
        () => locateDataDir('Toy', candidates, () => ['a.bin'], 'apt-get install toy'),
        (e: unknown) =>
          e instanceof DatasetNotFoundError &&
          e.searched.length === 3 &&
          e.message.includes('$SOME_DIR: not set') &&
          e.message.includes(`${path.join(empty, 'absent')} (project data folder): does not exist`) &&
          e.message.includes(`${empty} (system): missing a.bin`) &&
          e.message.includes('To get it: apt-get install toy'),
      );
      assert.throws(() => locateFashionMnist(empty), (e: unknown) => e instanceof DatasetNotFoundError && /npm run download -- fashion-mnist/.test(e.message));
      assert.equal(locateDataDir('Toy', [{ dir: empty, origin: 'x' }], () => [], ''), empty);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
