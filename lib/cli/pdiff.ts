/**
 * `npm run pdiff -- --preset quick|standard --seed N --out DIR [--restart]`: runs p-diff end to
 * end and writes DIR/results.json and a self-contained DIR/report.html. Every long stage saves
 * its state in DIR; re-running the same command continues from the last saved state. A re-run
 * with another config is refused, naming the differing fields; --restart deletes the saved
 * state first.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { describeBackend, initBackend } from '../backend';
import { loadPdiffData } from '../experiments/pdiff-data';
import { pdiffPreset } from '../experiments/pdiff-config';
import { runPdiff } from '../experiments/pdiff';
import { claimRunDir, clearRunDir, REPORT_FILE, RESULTS_FILE } from '../experiments/run-dir';
import { writeFileAtomic } from '../util/atomic-write';
import { ConfigMismatchError, WriteError } from '../util/errors';
import { consoleProgress } from '../viz/progress-reporter';
import { renderPdiffReport } from '../viz/report';
import { accuracyTable, rowsToText, timingTable } from '../viz/tables';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'quick' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string' },
      restart: { type: 'boolean', default: false },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed takes a non-negative integer, got ${values.seed}`);
  const config = pdiffPreset(values.preset, seed);
  const out = path.resolve(values.out ?? path.join('runs', `pdiff-${config.preset}-seed${seed}`));
  if (values.restart) {
    const removed = clearRunDir(out);
    if (removed.length) console.log(`--restart: deleted ${removed.join(', ')} in ${out}`);
  }
  // Before anything slow: a directory of another config is refused at once.
  claimRunDir(out, config as unknown as Record<string, unknown>);

  const backend = await initBackend();
  console.log(describeBackend(backend));
  const data = loadPdiffData(config);
  console.log(`p-diff preset ${config.preset}, seed ${seed}, ${config.dataset}: train ${data.train.labels.length}, ` +
    `val ${data.val.labels.length}, test ${data.test.labels.length}; output in ${out}`);
  const results = runPdiff(data, config, out, backend.name, consoleProgress(), 'run');

  writeFileAtomic(path.join(out, RESULTS_FILE), `${JSON.stringify(results, null, 1)}\n`);
  writeFileAtomic(path.join(out, REPORT_FILE), renderPdiffReport(results));
  console.log(`\ntest accuracy (%), ${config.preset} preset, seed ${seed}:\n${rowsToText(accuracyTable(results))}`);
  console.log(`\nwall seconds:\n${rowsToText(timingTable(results))}`);
  console.log(`\nwrote ${path.join(out, RESULTS_FILE)} and ${REPORT_FILE}`);
}

/** What the user can do next, for the errors a long run can end with. */
function hint(err: Error): string {
  if (err instanceof ConfigMismatchError) return '\nre-run with --restart to delete the saved state and start over';
  if (err instanceof WriteError) return '\nfree some space (or fix the permissions), then re-run the same command: it continues from the last saved state';
  return '';
}

main().catch((err: Error) => {
  console.error(`error: ${err.message}${hint(err)}`);
  process.exitCode = 1;
});
