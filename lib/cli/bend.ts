/**
 * `npm run bend -- --preset smoke|quick|standard --seed N --out DIR [--restart] [--set path=value …]`:
 * trains the p-diff generator, ensembles its generated models (sBEND, aBEND, vote) against single
 * models, the snapshot ensemble and a deep ensemble; writes DIR/results.json and DIR/report.html.
 * The generator's stages resume from DIR as `npm run pdiff` does, and a p-diff run of the same
 * preset and seed in DIR lends its trained stages (its results.json and report.html are then
 * replaced by BEND's). --restart deletes the state first.
 */
import { describeBackend, initBackend } from '../backend';
import * as bend from '../bend';
import * as pdiff from '../pdiff';
import { applyOverrides } from '../util/config-override';
import { consoleProgress } from '../viz/progress-reporter';
import { rowsToText } from '../viz/table';
import { runMain, writeRunFiles } from './main';
import { parseRunArgs, prepareOutDir } from './run-args';

runMain(async () => {
  const args = parseRunArgs();
  const config = applyOverrides(bend.preset(args.preset, args.seed), args.sets);
  const outDir = prepareOutDir(args, 'bend', config.pdiff.preset, pdiff.PDIFF_OUTPUTS);
  pdiff.claimDir(outDir, config.pdiff); // before anything slow: a directory of another generator config is refused at once
  console.log(describeBackend(await initBackend()));
  const data = pdiff.loadData(config.pdiff);
  console.log(`BEND preset ${config.pdiff.preset}, seed ${args.seed}, ${config.pdiff.dataset}: train ${data.train.labels.length}, ` +
    `val ${data.val.labels.length}, test ${data.test.labels.length}; ${config.members} generated members, ` +
    `deep ensemble of ${config.deepEnsemble.size}; output in ${outDir}`);
  const results = bend.run(config, data, { outDir, onProgress: consoleProgress() });
  console.log(`\nresults (${config.pdiff.preset} preset, seed ${args.seed}):\n${rowsToText(bend.report.methodsTable(results))}`);
  console.log(`\ntest accuracy (%) vs ensemble size:\n${rowsToText(bend.report.curveTable(results))}`);
  console.log(`\ndiversity on test:\n${rowsToText(bend.report.diversityTable(results))}`);
  console.log(`\ncost (wall seconds):\n${rowsToText(bend.report.costTable(results))}`);
  writeRunFiles(outDir, results, bend.report.renderReport(results));
});
