// Whole-network generation's variants in p-diff's reproduction grid: the plan, and a smoke run of
// the part end to end (jobs → results file → table, verdicts, chart).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findProjectRoot } from '../lib/data/locate';
import type { WholeResults } from '../lib/pdiff/whole/results';
import { aggregateJobs } from '../lib/reproduce/aggregate';
import { resultFigures } from '../lib/reproduce/figures';
import { jobResultsFile, readJobResults, runJob } from '../lib/reproduce/jobs';
import { planJobs, wholeVariantOf } from '../lib/reproduce/plan';
import { jobId } from '../lib/reproduce/queue';
import { resultTable, tableObjects } from '../lib/reproduce/tables';
import { resultVerdicts } from '../lib/reproduce/verdicts';
import { tmpDirs } from './helpers/tmp-dirs';

const dirs = tmpDirs('reproduce-whole');
after(dirs.cleanup);

const wholeJobs = (...args: Parameters<typeof planJobs>) => planJobs(...args).filter((j) => wholeVariantOf(j));

describe('reproduce: whole-network variants in p-diff\'s grid', () => {
  const mlpVariants = ['full', 'no-align', 'ddpm', 'latent-ddpm', 'latent-ddpm-behaviour', 'long-flow', 'long-flow-merge-many', 'long-flow-val-floor'];
  it('plans each generator seed of each applicable variant at smoke and quick, in one directory per scale; at standard only when asked', () => {
    const quick = wholeJobs('pdiff', { scale: 'quick', seeds: [0, 2], root: '/r' });
    // The MLP has no BN (no no-bn-recalibration).
    assert.deepEqual(quick.map((j) => [j.preset, j.seed, j.part]), [0, 2].flatMap((seed) => mlpVariants.map((v) => ['whole-quick', seed, `whole:${v}`])));
    assert.ok(quick.every((j) => j.outDir === '/r/quick/whole-quick'), 'one zoo for every variant and seed');
    assert.equal(jobResultsFile(quick[9]), '/r/quick/whole-quick/whole-no-align-seed2.json');
    assert.equal(new Set(quick.map(jobResultsFile)).size, quick.length);
    assert.equal(new Set(quick.map(jobId)).size, quick.length, 'each job has a queue id of its own');
    assert.deepEqual(wholeJobs('pdiff', { scale: 'smoke', seeds: [0], root: '/r' }).map((j) => [j.part, j.outDir]),
      mlpVariants.map((v) => [`whole:${v}`, '/r/smoke/whole-smoke']));
    assert.deepEqual(wholeJobs('pdiff', { scale: 'standard', seeds: [0], root: '/r' }), []);
    assert.deepEqual(wholeJobs('pdiff', { scale: 'standard', seeds: [0], root: '/r', whole: true }).map((j) => [j.preset, j.part, j.outDir]),
      // ConvNet-S has no differentiable whole-network cut: no behavioural loss.
      ['full', 'no-align', 'no-bn-recalibration', 'ddpm', 'latent-ddpm', 'long-flow', 'long-flow-merge-many', 'long-flow-val-floor'].map((v) => ['whole', `whole:${v}`, '/r/standard/whole']));
    assert.deepEqual(wholeJobs('pdiff', { scale: 'quick', seeds: [0], root: '/r', ablations: false }), [], 'follows --no-ablations');
    assert.equal(wholeJobs('pdiff', { scale: 'quick', seeds: [0], root: '/r', ablations: false, whole: true }).length, 8);
    assert.deepEqual(wholeJobs('bend', { scale: 'quick', seeds: [0], root: '/r' }), []);
  });

  it('runs the smoke part for two seeds over one zoo, skips finished jobs, and aggregates it into the whole table and verdicts', function () {
    this.timeout(600_000);
    const root = dirs.make();
    const jobs = wholeJobs('pdiff', { scale: 'smoke', seeds: [0, 1], root });
    for (const job of jobs) runJob(job, findProjectRoot());
    const written = jobs.map((j) => fs.statSync(jobResultsFile(j)).mtimeMs);
    for (const job of jobs) runJob(job, findProjectRoot()); // finished: not run again
    assert.deepEqual(jobs.map((j) => fs.statSync(jobResultsFile(j)).mtimeMs), written);
    const dir = path.join(root, 'smoke', 'whole-smoke');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => !f.endsWith('.json')).sort(), ['ddpm', 'full', 'latent-ddpm', 'latent-ddpm-behaviour', 'long-flow', 'long-flow-merge-many', 'long-flow-val-floor', 'no-align', 'zoo']);
    assert.ok(fs.existsSync(path.join(dir, 'no-align', 'seed1', 'results.json')));

    const runs = jobs.map((j) => readJobResults(j)!);
    assert.match(runs[0].provenance.commit ?? '', /^[0-9a-f]{40}$/);
    const results = runs.map((r) => r.results as WholeResults);
    assert.deepEqual(results.map((r) => [r.seed, r.config.generator, r.config.align]), [0, 1].flatMap((seed) =>
      [[seed, 'flow', 'weight-matching'], [seed, 'flow', 'none'], [seed, 'ddpm', 'weight-matching'], [seed, 'latent-ddpm', 'weight-matching'], [seed, 'latent-ddpm', 'weight-matching'],
        [seed, 'flow', 'weight-matching'], [seed, 'flow', 'merge-many'], [seed, 'flow', 'weight-matching']]));
    assert.deepEqual(results.map((r) => r.config.flow.train.steps).slice(0, 8), [30, 30, 30, 30, 30, 480, 480, 480], 'long-flow: 16 times the steps');
    assert.deepEqual(results.map((r) => r.config.acceptance).slice(0, 8), ['all', 'all', 'all', 'all', 'all', 'all', 'all', 'zoo-val-floor']);
    const [longFlow, valFloor] = [results[5], results[7]];
    assert.deepEqual(valFloor.generator.losses, longFlow.generator.losses, 'the validation floor reuses long-flow\'s generator');
    assert.equal(valFloor.generated.floor, Math.min(...longFlow.zoo.perMember.val.filter((_, i) => i % 5 !== 4)), 'the training members\' lowest');
    assert.equal(valFloor.generated.test.count, longFlow.generated.test.count);
    assert.ok(valFloor.generated.candidates > longFlow.generated.candidates || valFloor.generated.passed === valFloor.generated.test.count);
    assert.equal(new Set(results.map((r) => r.zoo.test.mean)).size, 1, 'every run measured the same zoo');

    const file = aggregateJobs('pdiff', 'smoke', [...jobs, { ...jobs[0], seed: 2 }]);
    assert.deepEqual(file.missing, ['whole-smoke seed 2 whole:full']);
    assert.deepEqual(Object.keys(file.ablations), ['whole']);
    assert.deepEqual(Object.keys(file.ablations.whole), mlpVariants);
    const full = file.ablations.whole.full;
    assert.deepEqual(full.seeds, [0, 1]);
    const [r0, r1] = [results[0], results[8]];
    assert.equal(full.aggregate['generated.mean'].mean, (r0.generated.test.mean + r1.generated.test.mean) / 2);
    assert.equal(full.perSeed[1].metrics['gap.median'], r1.gap.median);
    assert.equal(full.perSeed[0].metrics['weightAverage.test'], r0.audit!.points['weight average'][0].accuracy);
    assert.ok(Math.abs(file.wallSeconds - results.reduce((s, r) => s + r.timings.total, 0)) < 1e-9);

    const table = resultTable(file, 'whole');
    assert.deepEqual(table.rows.map((r) => [r[0], r[1]]), mlpVariants.map((v) => ['`whole-smoke`', `${v} · 2 seeds`]));
    const row = tableObjects(table)[0];
    assert.equal(row['zoo mean'], (100 * r0.zoo.test.mean).toFixed(2), 'the zoo once, without a spread');
    const gens = [r0, r1].map((r) => 100 * r.generated.test.mean);
    const sd = Math.abs(gens[0] - gens[1]) / Math.SQRT2;
    assert.equal(row['generated mean'], `${((gens[0] + gens[1]) / 2).toFixed(2)} ± ${sd.toFixed(2)}`);
    assert.match(row['C_T function'], /^(-?\d+\.\d\d( ± \d+\.\d\d)?|–)$/, 'a seed whose audit kept no cell has no C_T');
    assert.deepEqual(resultTable(file, 'ablations').rows, [], 'not a Table-2 ablation');

    const verdicts = resultVerdicts(file);
    assert.equal(verdicts.length, 8 * 2 + 5, verdicts.join('\n'));
    assert.match(verdicts[0], /^whole-smoke full \(2 seeds\): generated mean − zoo mean test accuracy [+−]\d+\.\d\d \[[^\]]+\] points: (higher|lower|no difference); (within ±1\.0 point of the zoo's|more than 1\.0 point (below|above) the zoo's|the interval reaches past ±1\.0 point)/);
    assert.match(verdicts[1], /^whole-smoke full \(2 seeds\): generated median − zoo median/);
    assert.match(verdicts[16], /^whole-smoke full − no-align, generated mean test accuracy, same seeds [+−]\d+\.\d\d \[/);
    assert.match(verdicts[17], /^whole-smoke latent-ddpm-behaviour − latent-ddpm, generated mean test accuracy, same seeds [+−]\d+\.\d\d \[/);
    assert.match(verdicts[18], /^whole-smoke long-flow − full, generated mean test accuracy, same seeds [+−]\d+\.\d\d \[/);
    assert.match(verdicts[19], /^whole-smoke long-flow-merge-many − long-flow, generated mean/);
    assert.match(verdicts[20], /^whole-smoke long-flow-val-floor − long-flow, generated mean/);
    const figures = resultFigures(file);
    assert.equal(figures.length, 3, 'accuracy, copying test, whole networks');
    assert.match(String((figures[2].layout.title as { text: string }).text), /whole networks \(whole-smoke\)/);
  });
});
