/**
 * `npm run pdiff -- --preset quick|standard --seed N --out DIR [--restart]`: runs p-diff end to
 * end and writes DIR/results.json and a self-contained DIR/report.html. Every long stage saves
 * its state in DIR; re-running the same command continues from the last saved state. A re-run
 * with another config is refused, naming the differing fields; --restart deletes the saved
 * state first.
 */
import * as path from 'node:path';
import { describeBackend, initBackend } from '../backend';
import { loadPdiffData } from '../pdiff/data';
import { pdiffPreset } from '../pdiff/config';
import { runPdiff } from '../pdiff/run';
import { claimRunDir, REPORT_FILE, RESULTS_FILE } from '../util/run-dir';
import { writeFileAtomic } from '../util/atomic-write';
import { parseRunArgs, prepareOutDir } from './run-args';
import { ConfigMismatchError, WriteError } from '../util/errors';
import { consoleProgress } from '../viz/progress-reporter';
import { renderPdiffReport } from '../pdiff/report/report';
import { accuracyTable, timingTable } from '../pdiff/report/tables';
import { rowsToText } from '../viz/table';

async function main(): Promise<void> {
  const args = parseRunArgs();
  const config = pdiffPreset(args.preset, args.seed);
  const seed = args.seed;
  const out = prepareOutDir(args, 'pdiff', config.preset);
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
