/**
 * `npm run bench`: the pdiff-small benchmark. Runs the `standard` preset and writes per-stage
 * wall times and accuracies to bench/results/pdiff-small-<time>.json. With `--reference` and
 * Debian's PyTorch present, also runs ../shared/bench/peer_pdiff_small.py in the same run
 * (after ours, so the two never share the cores) and prints both sides with their ratios.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { describeBackend, initBackend } from '../backend';
import { findProjectRoot } from '../data/locate';
import { runPdiff } from '../experiments/pdiff';
import { pdiffPreset } from '../experiments/pdiff-config';
import { loadPdiffData } from '../experiments/pdiff-data';
import type { PdiffResults } from '../experiments/pdiff-results';
import { writeFileAtomic } from '../util/atomic-write';
import { consoleProgress } from '../viz/progress-reporter';
import { rowsToText, type Row } from '../viz/tables';

interface ReferenceRun {
  stages: Record<string, number>;
  accuracy: Record<'original' | 'reconstructed' | 'generated', { best: number; mean: number; median: number; val_selected_test: number }>;
}

function runReference(root: string, outFile: string): ReferenceRun | string {
  const script = path.join(root, '..', 'shared', 'bench', 'peer_pdiff_small.py');
  if (!fs.existsSync(script)) return `reference script not found at ${script}`;
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'no PyTorch for /usr/bin/python3 (apt-get install python3-torch libopenblas0-pthread)';
  const run = spawnSync('/usr/bin/python3', [script, '--out', outFile], { stdio: 'inherit' });
  if (run.status !== 0) return `reference exited with ${run.status}`;
  const json = JSON.parse(fs.readFileSync(outFile, 'utf8'));
  return { stages: json.timings_s.stages, accuracy: json.accuracy };
}

/** Our stages mapped onto the reference's (its stage 4 includes evaluating the originals). */
function comparisonRows(ours: PdiffResults, ref: ReferenceRun | undefined): Row[] {
  const t = ours.timings;
  const pairs: [string, number, string][] = [
    ['stage 1: checkpoints', t.collect, 'stage1_checkpoints'],
    ['stage 2: autoencoder', t.autoencoder, 'stage2_autoencoder'],
    ['stage 3: diffusion', t.diffusion, 'stage3_ddpm'],
    ['stage 4: sample + evaluate', t.sample + t.evaluate, 'stage4_generate_and_evaluate'],
    ['total', t.total, 'total'],
  ];
  return pairs.map(([stage, mine, key]) => {
    const theirs = ref?.stages[key];
    return { stage, 'paramdiff s': Number(mine.toFixed(1)), 'reference s': theirs === undefined ? '-' : Number(theirs.toFixed(1)),
      ratio: theirs ? Number((mine / theirs).toFixed(2)) : '-' };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reference: { type: 'boolean', default: false }, seed: { type: 'string', default: '0' } } });
  const root = findProjectRoot();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = path.join(root, 'bench', 'results');
  const backend = await initBackend();
  console.log(describeBackend(backend));
  const config = pdiffPreset('standard', Number(values.seed));
  const ours = runPdiff(loadPdiffData(config), config, path.join(root, 'runs', `bench-${stamp}`), backend.name, consoleProgress());
  const reference = values.reference ? runReference(root, path.join(resultsDir, `peer-${stamp}.json`)) : undefined;
  const ref = typeof reference === 'object' ? reference : undefined;
  if (typeof reference === 'string') console.log(`reference not run: ${reference}`);

  const rows = comparisonRows(ours, ref);
  const accuracy = (['originals', 'reconstructed', 'generated'] as const).map((name) => {
    const s = ours[name];
    const r = ref?.accuracy[name === 'originals' ? 'original' : name];
    return { models: name, best: +(100 * s.best).toFixed(2), mean: +(100 * s.mean).toFixed(2), median: +(100 * s.median).toFixed(2),
      'val-selected': +(100 * s.valSelectedTest).toFixed(2), ...(r ? { 'ref best': r.best, 'ref mean': r.mean, 'ref median': r.median, 'ref val-selected': r.val_selected_test } : {}) };
  });
  const record = { benchmark: 'pdiff-small', created: new Date().toISOString(), backend: backend.name,
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version }, timings: ours.timings, stages: rows, accuracy,
    reference: reference ?? null };
  writeFileAtomic(path.join(resultsDir, `pdiff-small-${stamp}.json`), `${JSON.stringify(record, null, 1)}\n`);
  console.log(`\nwall seconds:\n${rowsToText(rows)}\n\ntest accuracy (%):\n${rowsToText(accuracy)}`);
  console.log(`\nwrote bench/results/pdiff-small-${stamp}.json`);
}

main().catch((err: Error) => {
  console.error(`error: ${err.message}`);
  process.exitCode = 1;
});
