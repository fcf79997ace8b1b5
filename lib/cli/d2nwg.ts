/**
 * `npm run d2nwg -- --preset smoke|quick|standard --seed N --out DIR [--restart]`: builds the
 * task zoo, trains the D2NWG generator (VAE, aligned dataset encoder, conditional and
 * unconditional latent diffusion) and evaluates it on the held-out tasks; writes
 * DIR/results.json and DIR/report.html. Every stage resumes from DIR; another config is refused.
 */
import * as path from 'node:path';
import { describeBackend, initBackend } from '../backend';
import { runD2nwg } from '../d2nwg/run';
import { d2nwgPreset } from '../d2nwg/config';
import { claimRunDir, REPORT_FILE, RESULTS_FILE } from '../util/run-dir';
import { writeFileAtomic } from '../util/atomic-write';
import { ConfigMismatchError } from '../util/errors';
import { renderD2nwgReport } from '../d2nwg/report/report';
import { d2nwgFineTuneTable, d2nwgMethodsTable, d2nwgTimingTable } from '../d2nwg/report/tables';
import { consoleProgress } from '../viz/progress-reporter';
import { rowsToText } from '../viz/table';
import { parseRunArgs, prepareOutDir } from './run-args';

async function main(): Promise<void> {
  const args = parseRunArgs();
  const config = d2nwgPreset(args.preset, args.seed);
  const out = prepareOutDir(args, 'd2nwg', config.preset);
  claimRunDir(out, config as unknown as Record<string, unknown>);

  const backend = await initBackend();
  console.log(describeBackend(backend));
  console.log(`D2NWG preset ${config.preset}, seed ${config.seed}; output in ${out}`);
  const results = runD2nwg(config, out, backend.name, consoleProgress());

  writeFileAtomic(path.join(out, RESULTS_FILE), `${JSON.stringify(results, null, 1)}\n`);
  writeFileAtomic(path.join(out, REPORT_FILE), renderD2nwgReport(results));
  console.log(`\ntest accuracy (%) on ${results.zoo.heldOutTasks} held-out tasks (${config.preset} preset, seed ${config.seed}):\n${rowsToText(d2nwgMethodsTable(results))}`);
  console.log(`\nfine-tuning (mean test accuracy %):\n${rowsToText(d2nwgFineTuneTable(results))}`);
  console.log(`\nwall seconds:\n${rowsToText(d2nwgTimingTable(results))}`);
  console.log(`\nwrote ${path.join(out, RESULTS_FILE)} and ${REPORT_FILE}`);
}

main().catch((err: Error) => {
  const hint = err instanceof ConfigMismatchError ? '\nre-run with --restart to delete the saved state and start over' : '';
  console.error(`error: ${err.message}${hint}`);
  process.exitCode = 1;
});
