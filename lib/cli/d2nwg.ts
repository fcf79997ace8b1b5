/**
 * `npm run d2nwg -- --preset smoke|quick|standard --seed N --out DIR [--restart] [--set path=value …]`:
 * builds the task zoo, trains the D2NWG generator (VAE, aligned dataset encoder, conditional and
 * unconditional latent diffusion) and evaluates it on the held-out tasks; writes DIR/results.json
 * and DIR/report.html. Every stage resumes from DIR; another config is refused.
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
  console.log(`\ntest accuracy (%) on ${results.zoo.heldOutTasks} held-out tasks (${config.preset} preset, seed ${config.seed}):\n${rowsToText(d2nwg.report.methodsTable(results))}`);
  console.log(`\nfine-tuning (mean test accuracy %):\n${rowsToText(d2nwg.report.fineTuneTable(results))}`);
  console.log(`\nwall seconds:\n${rowsToText(d2nwg.report.timingTable(results))}`);
  writeRunFiles(outDir, results, d2nwg.report.renderReport(results));
});
