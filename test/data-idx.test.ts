import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { FileFormatError, InputError } from '../lib/util/errors';
import { encodeIdx, loadIdxPair, loadMnist, readIdx, MNIST_MEAN, MNIST_STD } from '../lib/data';
import { MAX_GUNZIPPED_BYTES, maybeGunzip } from '../lib/data/idx';

describe('data: IDX files', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-idx-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function write(name: string, bytes: Uint8Array): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  }

  /** Asserts that reading `file` fails with a FileFormatError naming it and matching `problem`. */
  function assertBadFile(file: string, problem: RegExp): void {
    assert.throws(
      () => readIdx(file),
      (err: unknown) => err instanceof FileFormatError && err.file === file && err.message.startsWith(`${file}: `) && problem.test(err.problem),
    );
  }

  const dims = [2, 3, 4];
  const data = Uint8Array.from({ length: 24 }, (_, i) => (i * 11) % 256);

  it('round trips plain and gzipped files', () => {
    for (const [name, bytes] of [
      ['plain.idx', encodeIdx(dims, data)],
      ['zipped.idx.gz', zlib.gzipSync(encodeIdx(dims, data))],
    ] as const) {
      const read = readIdx(write(name, bytes));
      assert.deepEqual(read.dims, dims);
      assert.deepEqual([...read.data], [...data]);
    }
  });

  it('writes the header big-endian after two zero bytes and type 0x08', () => {
    const bytes = encodeIdx([258], new Uint8Array(258));
    assert.deepEqual([...bytes.subarray(0, 8)], [0, 0, 0x08, 1, 0, 0, 1, 2]);
  });

  it('rejects truncated data, saying expected and actual bytes', () => {
    const bytes = encodeIdx(dims, data);
    assertBadFile(write('short.idx', bytes.subarray(0, bytes.length - 5)), /truncated.*need 24 bytes, found 19/);
  });

  it('rejects trailing bytes', () => {
    const bytes = encodeIdx(dims, data);
    assertBadFile(write('long.idx', Uint8Array.from([...bytes, 1, 2])), /2 trailing bytes/);
  });

  it('rejects a bad magic number', () => {
    const bytes = encodeIdx(dims, data);
    bytes[1] = 0x01;
    assertBadFile(write('magic.idx', bytes), /bad IDX magic/);
  });

  it('rejects element types other than unsigned byte, naming the type code', () => {
    const bytes = encodeIdx(dims, data);
    bytes[2] = 0x0d;
    assertBadFile(write('float.idx', bytes), /type code 0x0d \(float32 type\) is not supported/);
    bytes[2] = 0x42;
    assertBadFile(write('unknown.idx', bytes), /type code 0x42 \(unknown type\)/);
  });

  it('rejects 0 or more than 4 dims, a zero dim and a short header', () => {
    const bytes = encodeIdx(dims, data);
    bytes[3] = 0;
    assertBadFile(write('ndim0.idx', bytes), /0 dims/);
    bytes[3] = 5;
    assertBadFile(write('ndim5.idx', bytes), /5 dims/);
    const zero = encodeIdx(dims, data);
    zero[7] = 0; // first dim 2 → 0
    assertBadFile(write('zero.idx', zero), /contain a zero/);
    assertBadFile(write('tiny.idx', Uint8Array.from([0, 0, 8, 3, 0, 0])), /truncated IDX header/);
  });

  it('rejects absurd dims (2^31 images) from the header alone, without allocating them', () => {
    const bytes = encodeIdx([1, 28, 28], new Uint8Array(784));
    new DataView(bytes.buffer).setUint32(4, 2 ** 31, false);
    const before = process.memoryUsage().arrayBuffers;
    assertBadFile(write('huge.idx', bytes), new RegExp(`need ${2 ** 31 * 784} bytes, found 784`));
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 2 ** 20, 'reading the header must not allocate the claimed size');
  });

  it('turns corrupt or truncated gzip into a FileFormatError naming the file', () => {
    const gz = zlib.gzipSync(encodeIdx(dims, data));
    assertBadFile(write('cut.idx.gz', gz.subarray(0, gz.length - 12)), /corrupt gzip/);
    const flipped = Uint8Array.from(gz);
    flipped[gz.length - 6] ^= 0xff; // inside the CRC-32 / size trailer
    assertBadFile(write('flipped.idx.gz', flipped), /corrupt gzip/);
  });

  it('stops gunzipping at a bound, so a small gzip bomb cannot make it allocate without limit', () => {
    const bomb = zlib.gzipSync(new Uint8Array(1_000_000)); // ~1 KB that expands to 1 MB
    assert.throws(() => maybeGunzip(bomb, 'bomb.idx.gz', 100_000),
      (e: unknown) => e instanceof FileFormatError && e.file === 'bomb.idx.gz' && e.problem === 'gzip data expands to more than 100000 bytes');
    assert.equal(maybeGunzip(bomb, 'bomb.idx.gz', 1_000_000).length, 1_000_000);
    assert.equal(MAX_GUNZIPPED_BYTES, 2 ** 30);
  });

  it('encodeIdx refuses data that does not match the dims', () => {
    assert.throws(() => encodeIdx([2, 2], new Uint8Array(3)), InputError);
    assert.throws(() => encodeIdx([], new Uint8Array(0)), InputError);
  });

  describe('image + label pairs', () => {
    const images = Uint8Array.from([0, 255, 51, 102, 255, 0, 0, 0]); // 2 images of 2x2
    const options = { name: 'tiny', mean: 0.5, std: 0.25, numClasses: 3 };

    it('normalises pixels as (p/255 - mean)/std with shape [H, W, 1]', () => {
      const ds = loadIdxPair(write('i.idx', encodeIdx([2, 2, 2], images)), write('l.idx', encodeIdx([2], Uint8Array.from([2, 0]))), options);
      assert.deepEqual(ds.shape, [2, 2, 1]);
      assert.deepEqual([...ds.labels], [2, 0]);
      assert.equal(ds.numClasses, 3);
      assert.equal(ds.name, 'tiny');
      const expected = [...images].map((p) => (p / 255 - 0.5) / 0.25);
      ds.images.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `pixel ${i}: ${v} vs ${expected[i]}`));
    });

    it('rejects mismatched counts and labels beyond numClasses, naming the label file', () => {
      const imagesFile = write('i2.idx', encodeIdx([2, 2, 2], images));
      const three = write('l3.idx', encodeIdx([3], Uint8Array.from([0, 1, 2])));
      assert.throws(() => loadIdxPair(imagesFile, three, options), (e: unknown) => e instanceof FileFormatError && e.file === three && /3 labels but .* 2 images/.test(e.problem));
      const big = write('lbig.idx', encodeIdx([2], Uint8Array.from([1, 3])));
      assert.throws(() => loadIdxPair(imagesFile, big, options), (e: unknown) => e instanceof FileFormatError && e.file === big && /label 3 at index 1/.test(e.problem));
    });

    it('loads an MNIST-style directory with .gz and plain names alike', () => {
      const mnistDir = fs.mkdtempSync(path.join(dir, 'mnist-'));
      const put = (name: string, bytes: Uint8Array) => fs.writeFileSync(path.join(mnistDir, name), bytes);
      put('train-images-idx3-ubyte.gz', zlib.gzipSync(encodeIdx([2, 2, 2], images)));
      put('train-labels-idx1-ubyte', encodeIdx([2], Uint8Array.from([9, 1])));
      put('t10k-images-idx3-ubyte', encodeIdx([1, 2, 2], images.subarray(4)));
      put('t10k-labels-idx1-ubyte.gz', zlib.gzipSync(encodeIdx([1], Uint8Array.from([4]))));
      const { train, test } = loadMnist(mnistDir);
      assert.equal(train.name, 'mnist/train');
      assert.deepEqual([...train.labels], [9, 1]);
      assert.deepEqual([...test.labels], [4]);
      assert.ok(Math.abs(test.images[0] - (1 - MNIST_MEAN) / MNIST_STD) < 1e-6);
      fs.rmSync(path.join(mnistDir, 't10k-labels-idx1-ubyte.gz'));
      assert.throws(() => loadMnist(mnistDir), /lacks t10k-labels-idx1-ubyte\[\.gz\]/);
    });
  });
});
