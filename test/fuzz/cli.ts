// `npm run fuzz -- [--cases N] [--seed S] [--target idx,cifar10,safetensors,zoo-manifest]`:
// many more fuzz cases than CI runs, each target in a worker thread (a hang is stopped and named).
// Prints, per target, the cases run, how many were valid data, the kinds of FileFormatError seen,
// and any failure with the case that reproduces it; exits with 1 if there was a failure.
import { parseArgs } from 'node:util';
import { fuzzInWorker } from './in-worker';
import { fuzzTargets } from './targets';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '20000' },
      seed: { type: 'string', default: '1' },
      target: { type: 'string', default: Object.keys(fuzzTargets).join(',') },
    },
  });
  const cases = Number(values.cases);
  const seed = Number(values.seed);
  let failed = false;
  for (const target of values.target.split(',')) {
    // A generous budget: ~1 ms per case on an idle core, 50 ms allowed.
    const s = await fuzzInWorker({ target, cases, seed }, 60_000 + 50 * cases);
    console.log(`\n${s.target}: ${s.cases} cases in ${s.seconds.toFixed(1)} s — ${s.valid} valid, ` +
      `${s.cases - s.valid - s.failureCount} FileFormatErrors of ${Object.keys(s.errors).length} kinds, ${s.failureCount} failures`);
    for (const [kind, n] of Object.entries(s.errors).sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(7)}  ${kind}`);
    for (const f of s.failures) console.log(`  FAILURE case ${f.case} (seed ${seed}): ${f.problem}`);
    failed ||= s.failureCount > 0;
  }
  if (failed) process.exitCode = 1;
}

main().catch((err: Error) => {
  console.error(`error: ${err.message}`);
  process.exitCode = 1;
});
