import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileFormatError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { Checksum, DATASET_SOURCES, DatasetSource, DownloadError, downloadDataset, downloadFile, fileDigest, verifyFile } from '../lib/data';

const sha256 = (bytes: Uint8Array): Checksum => ({ algorithm: 'sha256', hex: crypto.createHash('sha256').update(bytes).digest('hex') });

/** What the test server does with the next request. */
interface ServerBehaviour {
  /** Send only this many body bytes of the next response, then drop the connection. */
  cutAfter?: number;
  /** Answer 200 with the whole file even when a Range is asked for. */
  ignoreRange?: boolean;
}

/** A loopback HTTP server for `files` (path → bytes) that honours `Range: bytes=N-`. */
async function startServer(files: Record<string, Uint8Array>) {
  const behaviour: ServerBehaviour = {};
  const ranges: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    ranges.push(req.headers.range);
    const body = files[req.url ?? ''];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    const asked = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    if (asked !== null && !behaviour.ignoreRange) {
      start = Number(asked[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`, 'Content-Length': body.length - start });
    } else {
      res.writeHead(200, { 'Content-Length': body.length });
    }
    const cut = behaviour.cutAfter;
    behaviour.cutAfter = undefined;
    if (cut === undefined) res.end(body.subarray(start));
    else res.write(body.subarray(start, start + cut), () => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (file: string) => `http://127.0.0.1:${port}${file}`,
    behaviour,
    ranges,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('data: verified, resumable downloads', () => {
  const content = Uint8Array.from({ length: 300_000 }, ((rng) => () => rng.int(256))(new Rng(3)));
  const checksum = sha256(content);
  let dir: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  let dest: string;

  before(async () => {
    server = await startServer({ '/file.bin': content });
  });
  after(() => server.close());
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-dl-'));
    dest = path.join(dir, 'sub', 'file.bin');
    server.ranges.length = 0;
    server.behaviour.ignoreRange = false;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('verifyFile', () => {
    it('accepts the right SHA-256 and MD5, and names file, expected and actual digest otherwise', async () => {
      const file = path.join(dir, 'f.bin');
      fs.writeFileSync(file, content);
      await verifyFile(file, checksum);
      const md5 = crypto.createHash('md5').update(content).digest('hex');
      await verifyFile(file, { algorithm: 'md5', hex: md5 });
      assert.equal(await fileDigest(file, 'md5'), md5);
      const wrong = { algorithm: 'sha256', hex: '0'.repeat(64) } as const;
      await assert.rejects(
        verifyFile(file, wrong),
        (e: unknown) => e instanceof FileFormatError && e.file === file && e.problem.includes('0'.repeat(64)) && e.problem.includes(checksum.hex),
      );
    });
  });

  it('downloads, verifies and leaves only the final file', async () => {
    const seen: number[] = [];
    await downloadFile(server.url('/file.bin'), dest, checksum, { onProgress: (p) => seen.push(p.received) });
    assert.deepEqual(fs.readFileSync(dest), Buffer.from(content));
    assert.equal(fs.existsSync(`${dest}.part`), false);
    assert.equal(seen[seen.length - 1], content.length);
  });

  it('resumes from the .part after a connection cut mid-way', async () => {
    server.behaviour.cutAfter = 100_000;
    await assert.rejects(downloadFile(server.url('/file.bin'), dest, checksum), (e: unknown) => e instanceof DownloadError && /run again to resume/.test(e.message));
    assert.equal(fs.existsSync(dest), false);
    const partSize = fs.statSync(`${dest}.part`).size;
    assert.ok(partSize > 0 && partSize < content.length, `part holds ${partSize} bytes`);
    await downloadFile(server.url('/file.bin'), dest, checksum);
    assert.deepEqual(server.ranges, [undefined, `bytes=${partSize}-`]);
    await verifyFile(dest, checksum);
    assert.equal(fs.existsSync(`${dest}.part`), false);
  });

  it('starts over when the server ignores Range and answers 200', async () => {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(`${dest}.part`, new Uint8Array(1000).fill(7)); // wrong bytes that a resume would keep
    server.behaviour.ignoreRange = true;
    await downloadFile(server.url('/file.bin'), dest, checksum);
    assert.deepEqual(server.ranges, ['bytes=1000-']);
    assert.deepEqual(fs.readFileSync(dest), Buffer.from(content));
  });

  it('on 416 uses a complete .part as is, and replaces a stale over-long one', async () => {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(`${dest}.part`, content);
    await downloadFile(server.url('/file.bin'), dest, checksum);
    assert.deepEqual(server.ranges, [`bytes=${content.length}-`]);
    await verifyFile(dest, checksum);

    fs.rmSync(dest);
    server.ranges.length = 0;
    fs.writeFileSync(`${dest}.part`, new Uint8Array(content.length + 10));
    await downloadFile(server.url('/file.bin'), dest, checksum);
    assert.deepEqual(server.ranges, [`bytes=${content.length + 10}-`, undefined]);
    await verifyFile(dest, checksum);
  });

  it('a checksum mismatch leaves neither dest nor .part, and names both digests', async () => {
    const wrong: Checksum = { algorithm: 'sha256', hex: 'ab'.repeat(32) };
    await assert.rejects(
      downloadFile(server.url('/file.bin'), dest, wrong),
      (e: unknown) => e instanceof FileFormatError && e.file === dest && e.problem.includes('ab'.repeat(32)) && e.problem.includes(checksum.hex),
    );
    assert.equal(fs.existsSync(dest), false);
    assert.equal(fs.existsSync(`${dest}.part`), false);
  });

  it('an HTTP error is a DownloadError and leaves no dest', async () => {
    await assert.rejects(downloadFile(server.url('/missing.bin'), dest, checksum), /HTTP 404/);
    assert.equal(fs.existsSync(dest), false);
  });

  it('does not fetch when dest already verifies', async () => {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, content);
    const noNetwork = (() => Promise.reject(new Error('fetch must not be called'))) as typeof fetch;
    await downloadFile(server.url('/file.bin'), dest, checksum, { fetchImpl: noNetwork });
    assert.deepEqual(server.ranges, []);
  });

  it('downloadDataset fetches an archive and unpacks it without its top folder', async () => {
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'top'), { recursive: true });
    fs.writeFileSync(path.join(src, 'top', 'a.bin'), 'alpha');
    execFileSync('tar', ['-czf', path.join(src, 'x.tar.gz'), '-C', src, 'top']);
    const archive = fs.readFileSync(path.join(src, 'x.tar.gz'));
    const archiveServer = await startServer({ '/x.tar.gz': archive });
    try {
      const source: DatasetSource = {
        files: [{ url: archiveServer.url('/x.tar.gz'), file: 'x.tar.gz', checksum: sha256(archive) }],
        extract: { archive: 'x.tar.gz', produces: ['a.bin'] },
      };
      const target = path.join(dir, 'target');
      await downloadDataset(source, target);
      assert.equal(fs.readFileSync(path.join(target, 'a.bin'), 'utf8'), 'alpha');
      await assert.rejects(downloadDataset({ ...source, extract: { archive: 'x.tar.gz', produces: ['b.bin'] } }, target), /unpacked without b\.bin/);
    } finally {
      await archiveServer.close();
    }
  });

  it('the registry gives every file an https/http URL and a well-formed digest, SHA-256 for Fashion-MNIST', () => {
    const hexLength = { sha256: 64, md5: 32 };
    for (const [name, source] of Object.entries(DATASET_SOURCES) as [string, DatasetSource][]) {
      assert.ok(source.files.length > 0, name);
      for (const { url, file, checksum: c } of source.files) {
        assert.match(url, /^https?:\/\/[^/]+\/.*/, `${name} ${file}`);
        assert.ok(url.endsWith(file) || source.extract?.archive === file, `${name}: ${url} vs ${file}`);
        assert.match(c.hex, new RegExp(`^[0-9a-f]{${hexLength[c.algorithm]}}$`), `${name} ${file}`);
      }
    }
    assert.ok(DATASET_SOURCES['fashion-mnist'].files.every((f) => f.checksum.algorithm === 'sha256'));
  });
});
