import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCifar10 } from '../lib/data/cifar10';
import { readIdx } from '../lib/data/idx';
import { flatten } from '../lib/params/flatten';
import { readSafetensors, writeSafetensors } from '../lib/zoo/safetensors';
import { loadZoo, MANIFEST_FILE, PARAMS_FILE, saveZoo, type Zoo } from '../lib/zoo/zoo';
import { FileFormatError } from '../lib/util/errors';
import { openedFiles } from './helpers/opened-files';
import { tmpDirs } from './helpers/tmp-dirs';

const root = path.join(__dirname, '..');
const dirs = tmpDirs('safety');
const tmp = dirs.make;
after(dirs.cleanup);

/** Every .ts file under `dir`, relative to the project root. */
function sources(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}
const matching = (files: string[], pattern: RegExp) => files.filter((f) => pattern.test(fs.readFileSync(path.join(root, f), 'utf8'))).sort();

function smallZoo(config: Record<string, unknown>): Zoo {
  const { manifest } = flatten([{ name: 'fc/bias', shape: [2], data: new Float32Array(2) }]);
  return {
    model: 'convnet-s', subset: ['fc/*'], paramManifest: manifest, params: { count: 1, dim: 2, data: Float32Array.of(0.5, -1) },
    checkpoints: [{ seed: 0, step: 1, valAccuracy: null, testAccuracy: null }], norm: null, config, created: '2025-01-01T00:00:00Z',
  };
}

describe('safety of inputs', () => {
  it('loadZoo reads only the zoo directory’s own two files, whatever paths its manifest holds', () => {
    const dir = tmp();
    const zooDir = path.join(dir, 'zoo');
    fs.writeFileSync(path.join(dir, 'outside.safetensors'), 'not to be read');
    saveZoo(zooDir, smallZoo({ paramsFile: '../outside.safetensors', data: '/etc/passwd' }));
    const manifestFile = path.join(zooDir, MANIFEST_FILE);
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, params: '../outside.safetensors', file: '/etc/passwd' }));
    const opened = openedFiles(() => loadZoo(zooDir));
    assert.deepEqual([...new Set(opened)].sort(), [manifestFile, path.join(zooDir, PARAMS_FILE)].sort());
  });

  it('__proto__ and constructor keys in a manifest, a safetensors header or its metadata stay plain data', () => {
    const dir = tmp();
    const hostile = JSON.parse('{"__proto__": {"polluted": "manifest"}, "constructor": {"prototype": {"polluted": "ctor"}}}');
    saveZoo(path.join(dir, 'zoo'), smallZoo(hostile));
    const zoo = loadZoo(path.join(dir, 'zoo'));
    assert.deepEqual(Object.keys(zoo.config).sort(), ['__proto__', 'constructor']);

    const file = path.join(dir, 'x.safetensors');
    writeSafetensors(file, [{ name: 'w', shape: [1], data: Float32Array.of(1) }], JSON.parse('{"__proto__": "metadata"}'));
    const header = '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"__proto__":"x"}}';
    const bytes = Buffer.alloc(8 + header.length + 4);
    bytes.writeBigUInt64LE(BigInt(header.length));
    bytes.write(header, 8);
    fs.writeFileSync(path.join(dir, 'y.safetensors'), bytes);
    assert.deepEqual(readSafetensors(path.join(dir, 'y.safetensors')).tensors.map((t) => t.name), ['__proto__']);
    readSafetensors(file);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('nothing in lib/ evaluates text as code (no eval, new Function or vm)', () => {
    assert.deepEqual(matching(sources('lib'), /\beval\s*\(|new\s+Function\s*\(|node:vm|require\(['"]vm['"]\)/), []);
  });

  it('only the download code can reach the network, and only the download command runs it', () => {
    const files = [...sources('lib'), ...sources('data')];
    // The explorer's --serve listens on 127.0.0.1 only; it never connects out.
    assert.deepEqual(matching(files, /\bfetch\s*\(|\?\?\s*fetch\b|globalThis\.fetch|node:(https?|net|tls|dgram|http2)\b/), ['lib/cli/explore.ts', 'lib/data/download-file.ts']);
    // downloadFile / downloadDataset are called from the download command alone.
    assert.deepEqual(matching(files.filter((f) => !f.startsWith('lib/data/download')), /\bdownload(File|Dataset)\s*\(/), ['data/download.ts']);
  });

  it('an unreadable input is a FileFormatError naming it, not a raw system error', () => {
    const missing = path.join(tmp(), 'missing.bin');
    for (const read of [() => readIdx(missing), () => readCifar10([missing], 'x'), () => readSafetensors(missing), () => loadZoo(missing)]) {
      assert.throws(read, (e: unknown) => e instanceof FileFormatError && e.file.startsWith(missing) && /cannot (read|open) \(ENOENT\)/.test(e.problem));
    }
  });
});
