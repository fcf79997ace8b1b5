/**
 * `npm run pdiff -- --preset quick|standard --seed N --out DIR`: runs p-diff end to end and writes
 * DIR/results.json and a self-contained DIR/report.html. Re-running with the same --out continues
 * a killed checkpoint collection.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { describeBackend, initBackend } from '../backend';
import { loadPdiffData } from '../experiments/pdiff-data';
import { pdiffPreset } from '../experiments/pdiff-config';
import { runPdiff } from '../experiments/pdiff';
import { writeFileAtomic } from '../util/atomic-write';
import { consoleProgress } from '../viz/progress-reporter';
import { renderPdiffReport } from '../viz/report';
import { accuracyTable, rowsToText, timingTable } from '../viz/tables';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'quick' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string' },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed takes a non-negative integer, got ${values.seed}`);
  const config = pdiffPreset(values.preset, seed);
  const out = path.resolve(values.out ?? path.join('runs', `pdiff-${config.preset}-seed${seed}`));

  const backend = await initBackend();
  console.log(describeBackend(backend));
  const data = loadPdiffData(config);
  console.log(`p-diff preset ${config.preset}, seed ${seed}, ${config.dataset}: train ${data.train.labels.length}, ` +
    `val ${data.val.labels.length}, test ${data.test.labels.length}; output in ${out}`);
  const results = runPdiff(data, config, out, backend.name, consoleProgress());

  writeFileAtomic(path.join(out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  writeFileAtomic(path.join(out, 'report.html'), renderPdiffReport(results));
  console.log(`\ntest accuracy (%), ${config.preset} preset, seed ${seed}:\n${rowsToText(accuracyTable(results))}`);
  console.log(`\nwall seconds:\n${rowsToText(timingTable(results))}`);
  console.log(`\nwrote ${path.join(out, 'results.json')} and report.html`);
}

main().catch((err: Error) => {
  console.error(`error: ${err.message}`);
  process.exitCode = 1;
});
