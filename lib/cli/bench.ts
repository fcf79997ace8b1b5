/**
 * `npm run bench [-- --preset standard|quick|smoke] [--seed N] [--micro-only] [--no-reference] [--out FILE]`:
 * the pdiff-small benchmark on the active backend. Runs (a) micro-benchmarks (op throughput and
 * one training step of each model, at the standard shapes), (b) the preset's p-diff pipeline,
 * (c) when Debian's PyTorch is there, the reference ../shared/bench/peer_pdiff_small.py after ours
 * (never concurrently; --quick unless the preset is standard). Prints the tables side by side and
 * writes everything to FILE (default bench/results/pdiff-small-<preset>-<time>.json, or micro-<time>.json).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { describeBackend, initBackend } from '../backend';
import { runMicro } from '../bench/micro';
import { benchRecord, benchText } from '../bench/record';
import { runReference } from '../bench/reference';
import { findProjectRoot } from '../data/locate';
import { run } from '../pdiff/run';
import { preset } from '../pdiff/config';
import { loadData } from '../pdiff/data';
import { writeFileAtomic } from '../util/atomic-write';
import { consoleProgress } from '../viz/progress-reporter';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'standard' },
      seed: { type: 'string', default: '0' },
      'micro-only': { type: 'boolean', default: false },
      'no-reference': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed takes a non-negative integer, got ${values.seed}`);
  const config = preset(values.preset, seed);
  const root = findProjectRoot();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = path.join(root, 'bench', 'results');
  const name = values['micro-only'] ? `micro-${stamp}` : `pdiff-small-${config.preset}-${stamp}`;
  const out = path.resolve(values.out ?? path.join(resultsDir, `${name}.json`));

  const backend = await initBackend();
  console.log(describeBackend(backend));
  console.log('micro-benchmarks (standard shapes):');
  const micro = runMicro(preset('standard', seed), undefined, console.log);

  let pipeline = null;
  let reference = null;
  if (!values['micro-only']) {
    const runDir = path.join(root, 'runs', `bench-${config.preset}-${stamp}`);
    console.log(`p-diff preset ${config.preset}, seed ${seed}, in ${runDir}`);
    pipeline = { results: run(config, loadData(config), { outDir: runDir, onProgress: consoleProgress(), resume: 'collection' }), config, runDir };
    if (!values['no-reference']) {
      const quick = config.preset !== 'standard';
      const file = path.join(resultsDir, `peer-${config.preset}-${stamp}.json`);
      console.log(`reference: ${quick ? '--quick' : 'default settings'}, results in ${file}`);
      reference = { ...runReference(path.join(root, '..', 'shared', 'bench', 'peer_pdiff_small.py'), file, { quick }), quick, file };
    }
  }

  const record = benchRecord({ preset: config.preset, backend, micro, pipeline, reference });
  writeFileAtomic(out, `${JSON.stringify(record, null, 1)}\n`);
  console.log(`\n${benchText(record)}\n\nwrote ${out}`);
}

main().catch((err: Error) => {
  console.error(`error: ${err.message}`);
  process.exitCode = 1;
});
