/**
 * `npm run bend -- --preset quick|standard --seed N --out DIR [--restart]`: trains the p-diff
 * generator, ensembles its generated models (sBEND, aBEND, vote) against single models, the
 * snapshot ensemble and a deep ensemble, and writes DIR/results.json and a self-contained
 * DIR/report.html. The generator's stages save their state in DIR as `npm run pdiff` does: a
 * re-run continues, and a p-diff run of the same preset and seed in DIR lends its trained stages
 * (its results.json and report.html are then replaced by BEND's). --restart deletes the state first.
 */
import * as path from 'node:path';
import { describeBackend, initBackend } from '../backend';
import { runBend } from '../bend/run';
import { bendPreset } from '../bend/config';
import { loadPdiffData } from '../pdiff/data';
import { claimRunDir, REPORT_FILE, RESULTS_FILE } from '../util/run-dir';
import { writeFileAtomic } from '../util/atomic-write';
import { parseRunArgs, prepareOutDir } from './run-args';
import { ConfigMismatchError } from '../util/errors';
import { renderBendReport } from '../bend/report/report';
import { bendCostTable, bendCurveTable, bendDiversityTable, bendMethodsTable } from '../bend/report/tables';
import { consoleProgress } from '../viz/progress-reporter';
import { rowsToText } from '../viz/table';

async function main(): Promise<void> {
  const args = parseRunArgs();
  const config = bendPreset(args.preset, args.seed);
  const seed = args.seed;
  const out = prepareOutDir(args, 'bend', config.pdiff.preset);
  // Before anything slow: a directory of another generator config is refused at once.
  claimRunDir(out, config.pdiff as unknown as Record<string, unknown>);

  const backend = await initBackend();
  console.log(describeBackend(backend));
  const data = loadPdiffData(config.pdiff);
  console.log(`BEND preset ${config.pdiff.preset}, seed ${seed}, ${config.pdiff.dataset}: train ${data.train.labels.length}, ` +
    `val ${data.val.labels.length}, test ${data.test.labels.length}; ${config.members} generated members, ` +
    `deep ensemble of ${config.deepEnsemble.size}; output in ${out}`);
  const results = runBend(data, config, out, backend.name, consoleProgress(), 'run');

  writeFileAtomic(path.join(out, RESULTS_FILE), `${JSON.stringify(results, null, 1)}\n`);
  writeFileAtomic(path.join(out, REPORT_FILE), renderBendReport(results));
  console.log(`\nresults (${config.pdiff.preset} preset, seed ${seed}):\n${rowsToText(bendMethodsTable(results))}`);
  console.log(`\ntest accuracy (%) vs ensemble size:\n${rowsToText(bendCurveTable(results))}`);
  console.log(`\ndiversity on test:\n${rowsToText(bendDiversityTable(results))}`);
  console.log(`\ncost (wall seconds):\n${rowsToText(bendCostTable(results))}`);
  console.log(`\nwrote ${path.join(out, RESULTS_FILE)} and ${REPORT_FILE}`);
}

main().catch((err: Error) => {
  const hint = err instanceof ConfigMismatchError ? '\nre-run with --restart to delete the saved state and start over' : '';
  console.error(`error: ${err.message}${hint}`);
  process.exitCode = 1;
});
