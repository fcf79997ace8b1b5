/**
 * `npm run explore -- --run DIR [--out FILE] [--probes N] [--serve PORT]`: the latent space of a
 * finished p-diff run as one self-contained HTML page (default DIR/explore.html); --serve also
 * serves it on http://localhost:PORT/ until interrupted.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { describeBackend, initBackend } from '../backend';
import { buildExplorePage, readFinishedRun } from '../pdiff/explore';
import { InputError } from '../util/errors';
import { consoleProgress } from '../viz/progress-reporter';
import { runMain } from './main';

runMain(async () => {
  const { values } = parseArgs({ options: { run: { type: 'string' }, out: { type: 'string' }, probes: { type: 'string', default: '300' }, serve: { type: 'string' } } });
  if (!values.run) throw new InputError('usage: npm run explore -- --run DIR [--out FILE] [--probes N] [--serve PORT]');
  const port = values.serve === undefined ? undefined : Number(values.serve);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw new InputError(`--serve takes a port number, got ${values.serve}`);
  const out = path.resolve(values.out ?? path.join(values.run, 'explore.html'));
  readFinishedRun(path.resolve(values.run)); // before anything slow: a directory that is not a finished p-diff run is refused at once
  console.log(describeBackend(await initBackend()));
  const bytes = buildExplorePage(path.resolve(values.run), out, { probeImages: Number(values.probes), onProgress: consoleProgress() });
  console.log(`wrote ${out} (${(bytes / 1e6).toFixed(1)} MB, self-contained)`);
  if (port === undefined) return;
  const server = http.createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    fs.createReadStream(out).pipe(res);
  });
  server.listen(port, '127.0.0.1', () => console.log(`serving on http://localhost:${(server.address() as { port: number }).port}/ (Ctrl-C to stop)`));
});
