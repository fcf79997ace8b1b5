/**
 * `npm run bench [-- --workload pdiff-small|seed-zoo] [--preset standard|quick|smoke] [--seed N]
 *  [--models N] [--models-at-once K] [--processes P] [--reference-threads N] [--micro-only] [--no-reference] [--out FILE]`: a benchmark on the active backend,
 * side by side with its PyTorch reference in ../shared/bench (run after ours, never concurrently,
 * when Debian's PyTorch is there). Prints the tables and writes everything to FILE (default
 * bench/results/<workload>-…-<time>.json).
 * - pdiff-small (default): (a) micro-benchmarks (op throughput and one training step of each model,
 *   at the standard shapes), (b) the preset's p-diff pipeline, (c) peer_pdiff_small.py (--quick
 *   unless the preset is standard); --micro-only runs (a) alone (micro-<time>.json).
 * - seed-zoo: N ConvNet-S (--models, default 20) trained from independent seeds, K at once (--models-at-once,
 *   default 1: one after another) in P single-threaded processes side by side (--processes, default 1:
 *   in this process, on the backend's threads), and peer_seed_zoo.py on the same N
 *   with --reference-threads PyTorch threads (default the spec's 2; on a machine where another job
 *   holds a core, PyTorch's 2 threads wait on each other at every op).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { describeBackend, initBackend, type BackendInfo } from '../backend';
import { runMicro } from '../bench/micro';
import { benchRecord, benchText } from '../bench/record';
import { runReference } from '../bench/reference';
import { defaultSeedZooConfig, runSeedZoo } from '../bench/seed-zoo';
import { seedZooRecord } from '../bench/seed-zoo-record';
import { DEFAULT_REFERENCE_THREADS, runSeedZooReference } from '../bench/seed-zoo-reference';
import { fashionMnistSplits } from '../data/fashion-mnist';
import { findProjectRoot } from '../data/locate';
import { run } from '../pdiff/run';
import { preset } from '../pdiff/config';
import { loadData } from '../pdiff/data';
import { writeFileAtomic } from '../util/atomic-write';
import { InputError } from '../util/errors';
import { consoleProgress } from '../viz/progress-reporter';

const WORKLOADS = ['pdiff-small', 'seed-zoo'] as const;

interface BenchContext {
  backend: BackendInfo;
  root: string;
  resultsDir: string;
  stamp: string;
  noReference: boolean;
}

function integerFlag(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new InputError(`--${flag} takes an integer ≥ ${min}, got ${text}`);
  return value;
}

const peerScript = (root: string, name: string) => path.join(root, '..', 'shared', 'bench', name);

/** The pdiff-small benchmark; returns the record and its default file name. */
function pdiffSmall(ctx: BenchContext, options: { preset: string; seed: number; microOnly: boolean }) {
  const config = preset(options.preset, options.seed);
  console.log('micro-benchmarks (standard shapes):');
  const micro = runMicro(preset('standard', options.seed), undefined, console.log);
  let pipeline = null;
  let reference = null;
  if (!options.microOnly) {
    const runDir = path.join(ctx.root, 'runs', `bench-${config.preset}-${ctx.stamp}`);
    console.log(`p-diff preset ${config.preset}, seed ${options.seed}, in ${runDir}`);
    pipeline = { results: run(config, loadData(config), { outDir: runDir, onProgress: consoleProgress(), resume: 'collection' }), config, runDir };
    if (!ctx.noReference) {
      const quick = config.preset !== 'standard';
      const file = path.join(ctx.resultsDir, `peer-${config.preset}-${ctx.stamp}.json`);
      console.log(`reference: ${quick ? '--quick' : 'default settings'}, results in ${file}`);
      reference = { ...runReference(peerScript(ctx.root, 'peer_pdiff_small.py'), file, { quick }), quick, file };
    }
  }
  const name = options.microOnly ? `micro-${ctx.stamp}` : `pdiff-small-${config.preset}-${ctx.stamp}`;
  return { record: benchRecord({ preset: config.preset, backend: ctx.backend, micro, pipeline, reference }), name };
}

/** The seed-zoo benchmark on N models; returns the record and its default file name. */
async function seedZoo(ctx: BenchContext, parallel: { models: number; modelsAtOnce: number; processes: number }, referenceThreads: number) {
  const config = { ...defaultSeedZooConfig, ...parallel };
  const { models, modelsAtOnce, processes } = config;
  console.log(`seed zoo: ${models} ConvNet-S from seeds ${config.seed0}…${config.seed0 + models - 1}, ${modelsAtOnce} at once, `
    + `${processes === 1 ? 'in this process' : `in ${processes} single-threaded processes`}`);
  const ours = await runSeedZoo(fashionMnistSplits(), config, consoleProgress(3));
  let reference = null;
  if (!ctx.noReference) {
    const file = path.join(ctx.resultsDir, `peer-seed-zoo-${ctx.stamp}.json`);
    console.log(`reference: ${models} models, ${referenceThreads} threads, results in ${file}`);
    const outcome = runSeedZooReference(peerScript(ctx.root, 'peer_seed_zoo.py'), file, { ...config, threads: referenceThreads });
    reference = { ...outcome, file, threads: referenceThreads };
  }
  return { record: seedZooRecord({ backend: ctx.backend, ours, reference }), name: `seed-zoo-${models}-${ctx.stamp}` };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workload: { type: 'string', default: 'pdiff-small' },
      preset: { type: 'string', default: 'standard' },
      seed: { type: 'string', default: '0' },
      models: { type: 'string', default: String(defaultSeedZooConfig.models) },
      'models-at-once': { type: 'string', default: String(defaultSeedZooConfig.modelsAtOnce) },
      processes: { type: 'string', default: String(defaultSeedZooConfig.processes) },
      'reference-threads': { type: 'string', default: String(DEFAULT_REFERENCE_THREADS) },
      'micro-only': { type: 'boolean', default: false },
      'no-reference': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const workload = values.workload as (typeof WORKLOADS)[number];
  if (!WORKLOADS.includes(workload)) throw new InputError(`--workload is one of ${WORKLOADS.join(', ')}, got ${values.workload}`);
  const seed = integerFlag('seed', values.seed, 0);
  const models = integerFlag('models', values.models, 1);
  const modelsAtOnce = integerFlag('models-at-once', values['models-at-once'], 1);
  const processes = integerFlag('processes', values.processes, 1);
  const referenceThreads = integerFlag('reference-threads', values['reference-threads'], 1);
  const root = findProjectRoot();
  const backend = await initBackend();
  console.log(describeBackend(backend));
  const ctx: BenchContext = {
    backend, root, resultsDir: path.join(root, 'bench', 'results'), stamp: new Date().toISOString().replace(/[:.]/g, '-'), noReference: values['no-reference'],
  };
  const { record, name } = workload === 'seed-zoo'
    ? await seedZoo(ctx, { models, modelsAtOnce, processes }, referenceThreads)
    : pdiffSmall(ctx, { preset: values.preset, seed, microOnly: values['micro-only'] });
  const out = path.resolve(values.out ?? path.join(ctx.resultsDir, `${name}.json`));
  writeFileAtomic(out, `${JSON.stringify(record, null, 1)}\n`);
  console.log(`\n${benchText(record)}\n\nwrote ${out}`);
}

main().catch((err: Error) => {
  console.error(`error: ${err.message}`);
  process.exitCode = 1;
});
