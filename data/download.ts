// Fetches a dataset into data/<name> (or --dir): `npm run download -- fashion-mnist [--dir DIR]`.
// The only part of paramdiff that touches the network, and only when run by hand.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DATASET_SOURCES, DownloadProgress, downloadDataset, findProjectRoot, isDatasetName } from '../lib/data';

const USAGE = `usage: npm run download -- <${Object.keys(DATASET_SOURCES).join('|')}> [--dir DIR]`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { dir: { type: 'string' } }, allowPositionals: true });
  const name = positionals[0];
  if (positionals.length !== 1 || !isDatasetName(name)) {
    console.error(USAGE);
    process.exit(2);
  }
  const dir = path.resolve(values.dir ?? path.join(findProjectRoot(), 'data', name));
  console.log(`${name} → ${dir}`);
  await downloadDataset(DATASET_SOURCES[name], dir, { onProgress: throttled(printProgress, 250) });
  process.stdout.write('\n');
  console.log(`${name}: all files present and verified in ${dir}`);
}

function printProgress({ file, received, total }: DownloadProgress): void {
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  const of = total === undefined ? '' : ` / ${mb(total)} MB (${((100 * received) / total).toFixed(0)}%)`;
  const end = received === total ? '\n' : '';
  process.stdout.write(`\r  ${path.basename(file)}: ${mb(received)} MB${of}   ${end}`);
}

/** Calls `fn` at most once per `ms`, plus always for the last chunk of a file, so the terminal is not flooded. */
function throttled(fn: (p: DownloadProgress) => void, ms: number): (p: DownloadProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last >= ms || p.received === p.total) {
      last = now;
      fn(p);
    }
  };
}

main().catch((err: Error) => {
  process.stdout.write('\n');
  console.error(`download failed: ${err.message}`);
  process.exit(1);
});
