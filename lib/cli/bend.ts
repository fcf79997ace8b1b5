/**
 * `npm run bend -- --preset smoke|quick|standard[-epochs|-seeds] --seed N --out DIR [--zoo trajectory|seeds] [--restart] [--set path=value …]`:
 * trains the p-diff generator on the zoo, ensembles its generated models (sBEND, aBEND, vote; alone
 * and added to the zoo) against single models and the equal-budget baselines, with calibration,
 * OOD detection, diversity and cost; writes DIR/results.json and DIR/report.html. `--zoo` sets
 * `pdiff.zoo`. The generator's stages resume from DIR as `npm run pdiff` does, and a p-diff run of
 * the same preset and seed in DIR lends its trained stages (its results.json and report.html are
 * then replaced by BEND's). --restart deletes the state first.
 */
import { describeBackend, initBackend } from '../backend';
import * as bend from '../bend';
import * as pdiff from '../pdiff';
import { applyOverrides } from '../util/config-override';
import { consoleProgress } from '../viz/progress-reporter';
import { runMain, writeRunFiles } from './main';
import { parseRunArgs, prepareOutDir } from './run-args';

runMain(async () => {
  const args = parseRunArgs();
  // BEND's config holds the generator's under `pdiff`: --zoo (and a --set zoo=…) go there.
  const sets = args.sets.map((s) => (s.startsWith('zoo=') ? `pdiff.${s}` : s));
  const config = applyOverrides(bend.preset(args.preset, args.seed), sets);
  const outDir = prepareOutDir(args, 'bend', config.pdiff.preset, pdiff.PDIFF_OUTPUTS);
  pdiff.claimDir(outDir, config.pdiff); // before anything slow: a directory of another generator config is refused at once
  console.log(describeBackend(await initBackend()));
  const data = pdiff.loadData(config.pdiff);
  const ood = bend.loadOodData(config);
  console.log(`BEND preset ${config.pdiff.preset}, ${config.pdiff.zoo} zoo, seed ${args.seed}, ${config.pdiff.dataset}: train ${data.train.labels.length}, ` +
    `val ${data.val.labels.length}, test ${data.test.labels.length}, OOD ${ood.labels.length} (${ood.name}); ${config.members} generated members, ` +
    `deep ensemble of ${config.deepEnsemble.size}; output in ${outDir}`);
  const results = bend.run(config, data, { outDir, ood, onProgress: consoleProgress() });
  console.log(`\n${bend.report.renderText(results)}`);
  writeRunFiles(outDir, results, bend.report.renderReport(results));
});
