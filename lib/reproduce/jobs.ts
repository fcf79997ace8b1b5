/**
 * One reproduction job, run where it is called (locally, or by a queue worker): the paper's run
 * in the job's directory (resuming whatever an earlier attempt saved there), its results written
 * atomically with their provenance. A finished job is not run again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as bend from '../bend';
import * as d2nwg from '../d2nwg';
import * as pdiff from '../pdiff';
import { writeFileAtomic } from '../util/atomic-write';
import type { ProgressFn } from '../util/progress';
import { RESULTS_FILE } from '../util/run-dir';
import { isPresetRun, wholeVariantOf, type Ablation, type Job } from './plan';
import { provenance, PROVENANCE_FILE, type Provenance } from './provenance';

/**
 * The K values, noise settings and layers of p-diff's Table 2 (K = 500 and an earlier BN layer added:
 * bn2 with bn3, since bn2 alone is 64 values, too few for the autoencoder's four stride-5 blocks).
 */
const ABLATION_KS = [...pdiff.paperSnapshotCounts, 500];
const ABLATION_LAYERS = [...pdiff.convnetLayerSubsets, ['bn2/*', 'bn3/*']];

/**
 * Where a job's results are: results.json of a run of its preset (main or lever), ablation-<name>.json
 * of an ablation (its directory is its seed's), whole-<variant>-seed<k>.json of a whole-network
 * variant (its directory is every seed's).
 */
export function jobResultsFile(job: Job): string {
  if (isPresetRun(job)) return path.join(job.outDir, RESULTS_FILE);
  const name = job.part.replace(':', '-');
  return path.join(job.outDir, wholeVariantOf(job) ? `${name}-seed${job.seed}.json` : `${name}.json`);
}

/** The results of a finished job with their provenance, or undefined if it has not finished. */
export function readJobResults(job: Job): { results: unknown; provenance: Provenance } | undefined {
  const file = jobResultsFile(job);
  if (!fs.existsSync(file)) return undefined;
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { provenance?: Provenance; results?: unknown };
  // A run of the CLI keeps its provenance beside results.json (the CLI's results.json is the run's own schema).
  const sidecar = path.join(job.outDir, PROVENANCE_FILE);
  const prov = json.provenance ?? (fs.existsSync(sidecar) ? (JSON.parse(fs.readFileSync(sidecar, 'utf8')) as Provenance) : undefined);
  if (!prov) return undefined;
  return { results: isPresetRun(job) ? json : json.results, provenance: prov };
}

/** Runs `job` unless it has finished; `root` is the checkout whose commit is recorded. */
export function runJob(job: Job, root: string, onProgress?: ProgressFn): void {
  if (readJobResults(job)) return;
  if (job.lender) bend.borrowGenerator(job.lender, job.outDir);
  fs.mkdirSync(job.outDir, { recursive: true });
  if (isPresetRun(job)) {
    const results = presetRun(job, onProgress);
    writeFileAtomic(path.join(job.outDir, PROVENANCE_FILE), `${JSON.stringify(provenance(root), null, 1)}\n`);
    writeFileAtomic(jobResultsFile(job), `${JSON.stringify(results, null, 1)}\n`);
    return;
  }
  const variant = wholeVariantOf(job);
  const results = variant ? wholeRun(job, variant, onProgress) : ablationRun(job, job.part.slice('ablation:'.length) as Ablation, onProgress);
  writeFileAtomic(jobResultsFile(job), `${JSON.stringify({ provenance: provenance(root), results }, null, 1)}\n`);
}

function presetRun(job: Job, onProgress?: ProgressFn): unknown {
  const options = { outDir: job.outDir, onProgress };
  if (job.paper === 'd2nwg') return d2nwg.run(d2nwg.preset(job.preset, job.seed), options);
  if (job.paper === 'bend' && job.preset.startsWith('whole')) {
    const config = bend.wholeBendPreset(job.preset, job.seed);
    return bend.runWholeBend(config, pdiff.loadData({ dataset: config.whole.dataset, seed: 0 }), options);
  }
  if (job.paper === 'bend') {
    const config = bend.preset(job.preset, job.seed);
    return bend.run(config, pdiff.loadData(config.pdiff), options);
  }
  const config = pdiff.preset(job.preset, job.seed);
  return pdiff.run(config, pdiff.loadData(config), options);
}

function ablationRun(job: Job, ablation: Ablation, onProgress?: ProgressFn): pdiff.VariantResult[] {
  const config = pdiff.preset(job.preset, job.seed);
  const data = pdiff.loadData(config);
  const variants = {
    snapshots: () => pdiff.snapshotCountVariants(config, ABLATION_KS, data.train.labels.length),
    noise: () => pdiff.noiseVariants(config),
    layers: () => pdiff.layerVariants(config, ABLATION_LAYERS),
  }[ablation]();
  return pdiff.runVariants(variants, data, { root: job.outDir, onProgress });
}

/** One generator seed of a whole-network variant, in `<outDir>/<variant>/seed<k>` over the zoo in `<outDir>/zoo` (data split 0: one zoo for all). */
function wholeRun(job: Job, variant: pdiff.whole.WholeVariant, onProgress?: ProgressFn): pdiff.whole.WholeResults {
  const config = pdiff.whole.wholePreset(job.preset);
  const data = pdiff.loadData({ dataset: config.dataset, seed: 0 });
  const [run] = pdiff.whole.runWholeAblations(config, data, { outDir: job.outDir, seeds: [job.seed], variants: [variant], onProgress });
  return run.results;
}
