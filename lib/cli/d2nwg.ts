/**
 * `npm run d2nwg -- --preset smoke|quick|standard[-<lever>] --seed N --out DIR [--restart] [--set path=value …]`
 * (a lever toward the target, lib/d2nwg/levers.ts: `--preset quick-prototypes`):
 * builds the task zoo, trains the D2NWG generator (VAE, aligned dataset encoder, conditional and
 * unconditional latent diffusion), makes the run's choices on training tasks and evaluates every
 * method on the held-out tasks; writes DIR/results.json and DIR/report.html. Every stage resumes
 * from DIR; another config is refused.
 */
import { describeBackend, initBackend } from '../backend';
import * as d2nwg from '../d2nwg';
import { applyOverrides } from '../util/config-override';
import { consoleProgress } from '../viz/progress-reporter';
import { rowsToText } from '../viz/table';
import { runMain, writeRunFiles } from './main';
import { parseRunArgs, prepareOutDir } from './run-args';

runMain(async () => {
  const args = parseRunArgs();
  const config = applyOverrides(d2nwg.preset(args.preset, args.seed), args.sets);
  const outDir = prepareOutDir(args, 'd2nwg', config.preset, Object.values(d2nwg.D2NWG_OUTPUTS));
  d2nwg.claimDir(outDir, config); // before anything slow: a directory of another config is refused at once
  console.log(describeBackend(await initBackend()));
  console.log(`D2NWG preset ${config.preset}, seed ${config.seed}; output in ${outDir}`);
  const results = d2nwg.run(config, { outDir, onProgress: consoleProgress() });
  const { report } = d2nwg;
  console.log(`\nchoices made on training tasks:\n${rowsToText(report.selectionTable(results))}`);
  for (const group of ['all', ...Object.keys(results.summary.byNovelty)] as d2nwg.report.TaskGroup[]) {
    const s = report.groupSummary(results, group)!;
    console.log(`\ntest accuracy (%), ${report.groupLabel(group)} (${s.tasks} tasks; one seed, ${config.preset} scale):\n${rowsToText(report.methodsTable(results, group))}`);
  }
  console.log(`\nfine-tuning on the shots (mean test accuracy %):\n${rowsToText(report.fineTuneTable(results))}`);
  console.log(`\nwall seconds:\n${rowsToText(report.timingTable(results))}`);
  writeRunFiles(outDir, results, report.renderReport(results));
});
