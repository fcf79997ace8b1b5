import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileFormatError } from '../lib/util/errors';
import { CIFAR10_STATS, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, DatasetNotFoundError, loadCifar10, readCifar10 } from '../lib/data';

const PLANE = 32 * 32;
const RECORD = 1 + 3 * PLANE;

/** A known pixel value for record r, channel c, row y, column x. */
const pixel = (r: number, c: number, y: number, x: number) => (r * 50 + c * 80 + y * 3 + x) % 256;

/** CIFAR-10 binary records: label byte, then the R, G and B planes of 32x32, row-major. */
function records(labels: number[], firstRecord = 0): Uint8Array {
  const bytes = new Uint8Array(labels.length * RECORD);
  labels.forEach((label, i) => {
    const r = firstRecord + i;
    bytes[i * RECORD] = label;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) bytes[i * RECORD + 1 + c * PLANE + y * 32 + x] = pixel(r, c, y, x);
      }
    }
  });
  return bytes;
}

describe('data: CIFAR-10 binary format', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-cifar-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function write(name: string, bytes: Uint8Array): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  }

  it('decodes planar records into HWC [32, 32, 3], normalised per channel', () => {
    const ds = readCifar10([write('three.bin', records([3, 9, 0]))], 'three');
    assert.deepEqual(ds.shape, [32, 32, 3]);
    assert.deepEqual([...ds.labels], [3, 9, 0]);
    assert.equal(ds.numClasses, 10);
    assert.equal(ds.images.length, 3 * 3 * PLANE);
    for (let r = 0; r < 3; r++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          for (let c = 0; c < 3; c++) {
            const expected = (pixel(r, c, y, x) / 255 - CIFAR10_STATS.mean[c]) / CIFAR10_STATS.std[c];
            const actual = ds.images[((r * 32 + y) * 32 + x) * 3 + c];
            assert.ok(Math.abs(actual - expected) < 1e-5, `record ${r} y ${y} x ${x} c ${c}: ${actual} vs ${expected}`);
          }
        }
      }
    }
  });

  it('rejects a truncated or empty file, saying its size', () => {
    const cut = write('cut.bin', records([1, 2, 3]).subarray(0, 3 * RECORD - 1));
    assert.throws(
      () => readCifar10([cut], 'cut'),
      (e: unknown) => e instanceof FileFormatError && e.file === cut && /size 9218 bytes .*truncated/.test(e.problem),
    );
    assert.throws(() => readCifar10([write('empty.bin', new Uint8Array(0))], 'empty'), /size 0 bytes/);
  });

  it('rejects a label above 9, naming the record', () => {
    const file = write('label.bin', records([1, 10, 3]));
    assert.throws(() => readCifar10([file], 'bad'), (e: unknown) => e instanceof FileFormatError && /record 1 has label 10/.test(e.problem));
  });

  it('loads a directory of the six batch files, train batches in order, and names missing files', () => {
    const cifarDir = fs.mkdtempSync(path.join(dir, 'set-'));
    CIFAR10_TRAIN_FILES.forEach((f, i) => fs.writeFileSync(path.join(cifarDir, f), records([i], i)));
    fs.writeFileSync(path.join(cifarDir, CIFAR10_TEST_FILE), records([7, 8], 5));
    const { train, test } = loadCifar10(cifarDir);
    assert.deepEqual([...train.labels], [0, 1, 2, 3, 4]);
    assert.deepEqual([...test.labels], [7, 8]);
    const firstRed = (r: number) => (pixel(r, 0, 0, 0) / 255 - CIFAR10_STATS.mean[0]) / CIFAR10_STATS.std[0];
    assert.ok(Math.abs(train.images[4 * 3 * PLANE] - firstRed(4)) < 1e-5);
    fs.rmSync(path.join(cifarDir, 'data_batch_3.bin'));
    assert.throws(() => loadCifar10(cifarDir), (e: unknown) => e instanceof DatasetNotFoundError && /missing data_batch_3\.bin/.test(e.message));
  });
});
