import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NamedArray } from '../lib/params/types';
import { encodeSafetensors, readSafetensors, writeSafetensors } from '../lib/zoo/safetensors';
import { FileFormatError, InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { FLOAT_BITS, fixtureBytes, HEADER_JSON, safetensorsBytes } from './fixtures/zoo/make-fixture';

const fixture = path.join(__dirname, 'fixtures', 'zoo', 'tiny.safetensors');
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-safetensors-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes bytes to a fresh file and expects the reader to reject it, naming the file and the problem. */
function assertRejected(bytes: Uint8Array, problem: RegExp, name = 'bad.safetensors'): void {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  assert.throws(
    () => readSafetensors(file),
    (e: Error) => e instanceof FileFormatError && e.file === file && e.message.includes(file) && problem.test(e.message),
  );
}

/** The fixture's header with one tensor entry replaced. */
const header = (weight: string, bias = '{"dtype":"F32","shape":[2],"data_offsets":[0,8]}') =>
  `{"fc/weight":${weight},"fc/bias":${bias}}`;

describe('zoo/safetensors reader: the hand-written fixture', () => {
  it('is the file make-fixture.ts describes', () => {
    assert.deepEqual(fs.readFileSync(fixture), Buffer.from(fixtureBytes()));
  });

  it('reads the exact known values, shapes and metadata, in data order', () => {
    const { tensors, metadata } = readSafetensors(fixture);
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual(tensors.map((t) => [t.name, t.shape]), [['fc/bias', [2]], ['fc/weight', [2, 3]]]);
    assert.deepEqual([...bits(tensors[0].data), ...bits(tensors[1].data)], FLOAT_BITS);
    assert.deepEqual(Array.from(tensors[1].data), [1, -0, Math.fround(0.1), 3.4028234663852886e38, 1.401298464324817e-45, -1.5]);
    assert.ok(Object.is(tensors[1].data[1], -0));
  });
});

describe('zoo/safetensors reader: broken files are FileFormatErrors naming the file', () => {
  const good = fixtureBytes();

  it('rejects the file truncated at any of several points', () => {
    for (const cut of [0, 3, 7, 8, 9, 100, 167, 168, 169, 196, 199]) {
      assertRejected(good.slice(0, cut), /too short|truncated/);
    }
    assertRejected(good.slice(0, 196), /truncated: header declares 32 bytes of data, file has 28/);
  });

  it('rejects absurd header lengths before allocating', () => {
    for (const length of [2n ** 64n - 1n, 2n ** 53n, 200n * 1024n * 1024n]) {
      const bytes = good.slice();
      new DataView(bytes.buffer).setBigUint64(0, length, true);
      assertRejected(bytes, /exceeds the 104857600-byte limit/);
    }
    const bytes = good.slice();
    new DataView(bytes.buffer).setBigUint64(0, 193n, true);
    assertRejected(bytes, /truncated: header declares 193 bytes of header, file has 192/);
  });

  it('never misreads a header with one flipped byte: it fails cleanly or reads the same values', () => {
    for (let i = 8; i < 8 + 160; i++) {
      for (const mask of [0x01, 0x80]) {
        const bytes = good.slice();
        bytes[i] ^= mask;
        const file = path.join(dir, 'flipped.safetensors');
        fs.writeFileSync(file, bytes);
        try {
          const { tensors } = readSafetensors(file);
          // A harmless flip (a name or metadata character, padding): the data must be untouched.
          assert.deepEqual(tensors.flatMap((t) => bits(t.data)), FLOAT_BITS, `byte ${i} ^ ${mask}`);
        } catch (e) {
          assert.ok(e instanceof FileFormatError && e.file === file, `byte ${i} ^ ${mask}: ${e}`);
        }
      }
    }
    const bytes = good.slice();
    bytes[8] ^= 0x01; // '{' -> 'z'
    assertRejected(bytes, /header is not valid JSON/);
    bytes[8] = 0xff;
    assertRejected(bytes, /not valid UTF-8/);
  });

  it('rejects headers that are not an object of tensor entries', () => {
    assertRejected(safetensorsBytes('[1,2]', []), /not a JSON object/);
    assertRejected(safetensorsBytes('{"__metadata__":{"n":1}}', []), /__metadata__ must be an object of strings/);
    assertRejected(safetensorsBytes('{"t":[0]}', []), /entry for tensor "t" is not an object/);
    assertRejected(safetensorsBytes('{"t":{"shape":[1],"data_offsets":[0,4]}}', [0]), /tensor "t" has no dtype/);
  });

  it('rejects other dtypes with a clear message', () => {
    assertRejected(safetensorsBytes(header('{"dtype":"F16","shape":[2,3],"data_offsets":[8,20]}'), FLOAT_BITS.slice(0, 5)),
      /unsupported dtype F16 for tensor "fc\/weight"/);
    assertRejected(safetensorsBytes(header('{"dtype":"Q4","shape":[2,3],"data_offsets":[8,32]}'), FLOAT_BITS),
      /unknown dtype "Q4" for tensor "fc\/weight"/);
  });

  it('rejects bad shapes and offsets', () => {
    const cases: [string, RegExp][] = [
      ['{"dtype":"F32","shape":[2,-3],"data_offsets":[8,32]}', /invalid shape \[2,-3\]/],
      ['{"dtype":"F32","shape":[2,1.5],"data_offsets":[8,20]}', /invalid shape/],
      ['{"dtype":"F32","shape":[2,3],"data_offsets":[8]}', /invalid data_offsets \[8\]/],
      ['{"dtype":"F32","shape":[2,3],"data_offsets":[32,8]}', /invalid data_offsets/],
      ['{"dtype":"F32","shape":[2,3],"data_offsets":[-4,20]}', /invalid data_offsets/],
      ['{"dtype":"F32","shape":[2,3],"data_offsets":[8,28]}', /span 20 bytes, but F32 shape \[2,3\] needs 24/],
      ['{"dtype":"F32","shape":[2,3],"data_offsets":[4,28]}', /tensors "fc\/bias" and "fc\/weight" overlap/],
      ['{"dtype":"F32","shape":[2,3],"data_offsets":[12,36]}', /gap in the data section: bytes 8\.\.12/],
      ['{"dtype":"F32","shape":[2,3],"data_offsets":[1000008,1000032]}', /gap/],
    ];
    for (const [weight, problem] of cases) assertRejected(safetensorsBytes(header(weight), FLOAT_BITS), problem);
    // Offsets past the end of the data section.
    assertRejected(safetensorsBytes(header('{"dtype":"F32","shape":[2,4],"data_offsets":[8,40]}'), FLOAT_BITS),
      /truncated: header declares 40 bytes of data, file has 32/);
    // Data the header does not account for.
    assertRejected(safetensorsBytes(HEADER_JSON, [...FLOAT_BITS, 0]), /data section has 36 bytes, but the tensors cover only 32/);
  });

  it('names a missing file', () => {
    const file = path.join(dir, 'missing.safetensors');
    assert.throws(() => readSafetensors(file), (e: Error) => e instanceof FileFormatError && /cannot open \(ENOENT\)/.test(e.message));
  });
});

describe('zoo/safetensors writer', () => {
  const rng = new Rng(3);
  const tensors: NamedArray[] = [
    { name: 'w', shape: [3, 5], data: rng.normalArray(15) },
    { name: 'b', shape: [7], data: Float32Array.from([-0, 1.401298464324817e-45, ...rng.normalArray(5)]) },
    { name: 'scalar', shape: [], data: Float32Array.from([2.5]) },
    { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
  ];

  it('round trips bit-exactly through the reader', () => {
    const file = path.join(dir, 'round-trip.safetensors');
    writeSafetensors(file, tensors, { note: 'hi' });
    const read = readSafetensors(file);
    assert.deepEqual(read.metadata, { note: 'hi' });
    for (const t of tensors) {
      const back = read.tensors.find((r) => r.name === t.name)!;
      assert.deepEqual(back.shape, t.shape);
      assert.deepEqual(bits(back.data), bits(t.data));
    }
  });

  it('pads the header with spaces to a multiple of 8 and lays tensors out by name', () => {
    const bytes = Buffer.concat(encodeSafetensors(tensors, { format: 'pt' }));
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal(n % 8, 0);
    const text = bytes.subarray(8, 8 + n).toString('latin1');
    assert.match(text, /^\{"__metadata__":\{"format":"pt"\},"b":.*\} *$/);
    const json = JSON.parse(text);
    assert.deepEqual(Object.keys(json), ['__metadata__', 'b', 'empty', 'scalar', 'w']);
    assert.deepEqual(json.w, { dtype: 'F32', shape: [3, 5], data_offsets: [32, 92] });
    assert.equal(bytes.length, 8 + n + 92);
    assert.equal(bytes.readFloatLE(8 + n + 32), tensors[0].data[0]);
  });

  it('gives the same bytes whatever the input order', () => {
    const a = Buffer.concat(encodeSafetensors(tensors));
    const b = Buffer.concat(encodeSafetensors([...tensors].reverse()));
    assert.deepEqual(a, b);
  });

  it('rejects repeated or reserved names and data that does not fit the shape', () => {
    const t = { name: 'x', shape: [2], data: new Float32Array(2) };
    assert.throws(() => encodeSafetensors([t, t]), InputError);
    assert.throws(() => encodeSafetensors([{ ...t, name: '__metadata__' }]), InputError);
    assert.throws(() => encodeSafetensors([{ ...t, shape: [3] }]), /"x" has 2 values, which does not fit shape \[3\]/);
  });
});
