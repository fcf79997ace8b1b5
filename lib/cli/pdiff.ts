/**
 * `npm run pdiff -- --preset smoke|quick|standard --seed N --out DIR [--restart] [--set path=value …]`:
 * p-diff's protocol end to end (presets whole-smoke|whole-quick|whole: whole networks, lib/pdiff/whole); writes DIR/results.json and a self-contained DIR/report.html.
 * Every long stage saves its state in DIR: re-running the same command continues from the last
 * saved state, another config is refused naming the differing fields, --restart deletes the state.
 */
import { describeBackend, initBackend } from '../backend';
import * as pdiff from '../pdiff';
import { applyOverrides } from '../util/config-override';
import { consoleProgress } from '../viz/progress-reporter';
import { rowsToText } from '../viz/table';
import { runMain, writeRunFiles } from './main';
import { parseRunArgs, prepareOutDir, type RunArgs } from './run-args';

/** `--preset whole-smoke|whole-quick|whole`: a whole network generated from a zoo of independent runs. */
async function runWholeNetworks(args: RunArgs): Promise<void> {
  const config = applyOverrides(pdiff.whole.wholePreset(args.preset, args.seed), args.sets);
  const { whole } = pdiff;
  const outDir = prepareOutDir(args, 'pdiff', config.preset, whole.WHOLE_OUTPUTS);
  console.log(describeBackend(await initBackend()));
  // One data split for every generator seed: the zoo is tied to its training images.
  const data = pdiff.loadData({ dataset: config.dataset, seed: 0 });
  const results = whole.runWhole(config, data, { outDir, onProgress: consoleProgress() });
  console.log(`\nwhole networks, ${config.preset} preset, seed ${config.seed}:\n${rowsToText(whole.summaryTable(results))}`);
  writeRunFiles(outDir, results, whole.renderWholeReport(results));
}

runMain(async () => {
  const args = parseRunArgs();
  if (args.preset in pdiff.whole.wholePresets) return runWholeNetworks(args);
  const config = applyOverrides(pdiff.preset(args.preset, args.seed), args.sets);
  const outDir = prepareOutDir(args, 'pdiff', config.preset, pdiff.PDIFF_OUTPUTS);
  pdiff.claimDir(outDir, config); // before anything slow: a directory of another config is refused at once
  console.log(describeBackend(await initBackend()));
  const data = pdiff.loadData(config);
  console.log(`p-diff preset ${config.preset}, seed ${config.seed}, ${config.dataset}: train ${data.train.labels.length}, ` +
    `val ${data.val.labels.length}, test ${data.test.labels.length}; output in ${outDir}`);
  const results = pdiff.run(config, data, { outDir, onProgress: consoleProgress() });
  console.log(`\ntest accuracy (%), ${config.preset} preset, seed ${config.seed}:\n${rowsToText(pdiff.report.accuracyTable(results))}`);
  console.log(`\nwall seconds:\n${rowsToText(pdiff.report.timingTable(results))}`);
  writeRunFiles(outDir, results, pdiff.report.renderReport(results));
});
