import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findProjectRoot } from '../lib/data/locate';
import { meanInterval } from '../lib/eval/interval';
import { aggregateJobs } from '../lib/reproduce/aggregate';
import { borrowGenerator } from '../lib/bend/borrow';
import type { BendResults } from '../lib/bend/results';
import type { PdiffResults } from '../lib/pdiff/results';
import { D2NWG_LEVER_NAMES } from '../lib/d2nwg/levers';
import type { D2nwgResults } from '../lib/d2nwg/results';
import { jobResultsFile, runJob } from '../lib/reproduce/jobs';
import { isPresetRun, planJobs } from '../lib/reproduce/plan';
import { jobId } from '../lib/reproduce/queue';
import { resultTable } from '../lib/reproduce/tables';
import { tmpDirs } from './helpers/tmp-dirs';

const dirs = tmpDirs('reproduce');
after(dirs.cleanup);

describe('reproduce: intervals, the job plan, and results files from finished jobs', () => {
  it('mean ± sample std with a Student-t 95% interval', () => {
    const i = meanInterval([1, 2, 3]);
    assert.deepEqual([i.n, i.mean, i.std], [3, 2, 1]);
    assert.ok(Math.abs(i.ci95![0] - (2 - 4.303 / Math.sqrt(3))) < 1e-9 && Math.abs(i.ci95![1] - (2 + 4.303 / Math.sqrt(3))) < 1e-9);
    assert.equal(meanInterval([5]).ci95, null);
    assert.throws(() => meanInterval([1, Number.NaN]), /finite/);
  });

  it('plans the three zoo recipes per seed, and the ablations only where asked', () => {
    const jobs = planJobs('pdiff', { scale: 'standard', seeds: [0, 1], root: '/r' });
    assert.deepEqual(jobs.map((j) => [j.preset, j.seed, j.part, j.outDir]), [
      ['standard', 0, 'main', '/r/standard/standard-seed0'], ['standard-epochs', 0, 'main', '/r/standard/standard-epochs-seed0'],
      ['standard-seeds', 0, 'main', '/r/standard/standard-seeds-seed0'], ['standard', 1, 'main', '/r/standard/standard-seed1'],
      ['standard-epochs', 1, 'main', '/r/standard/standard-epochs-seed1'], ['standard-seeds', 1, 'main', '/r/standard/standard-seeds-seed1'],
    ]);
    assert.equal(planJobs('pdiff', { scale: 'quick', seeds: [0], root: '/r' }).filter((j) => j.part.startsWith('ablation:')).length, 3);
    assert.deepEqual(planJobs('bend', { scale: 'quick', seeds: [2], root: '/r' }).map((j) => [j.outDir, j.lender]), [
      ['/r/quick/bend-quick-seed2', '/r/quick/quick-seed2'], ['/r/quick/bend-quick-seeds-seed2', '/r/quick/quick-seeds-seed2'],
      ['/r/quick/bend-whole-quick-seed2', undefined],
    ]);
    assert.deepEqual(planJobs('bend', { scale: 'standard', seeds: [0], root: '/r' }).map((j) => j.preset), ['standard', 'standard-seeds']);
    assert.throws(() => planJobs('pdiff', { scale: 'huge' as 'quick', seeds: [0], root: '/r' }), /unknown scale huge/);
    assert.throws(() => planJobs('pdiff', { scale: 'quick', seeds: [-1], root: '/r' }), /seeds must be non-negative integers/);
  });

  it('plans D2NWG\'s levers as runs of their own presets at smoke and quick scale, not at standard unless asked', () => {
    const jobs = planJobs('d2nwg', { scale: 'quick', seeds: [0, 2], root: '/r' });
    assert.deepEqual(jobs.slice(0, 2).map((j) => [j.preset, j.part, j.outDir]),
      [['quick', 'main', '/r/quick/d2nwg-quick-seed0'], ['quick', 'main', '/r/quick/d2nwg-quick-seed2']], 'the main runs as before');
    const levers = jobs.slice(2);
    assert.deepEqual(levers.map((j) => [j.preset, j.seed, j.part, j.outDir]), [0, 2].flatMap((seed) => D2NWG_LEVER_NAMES.map((lever) =>
      [`quick-${lever}`, seed, `lever:${lever}`, `/r/quick/d2nwg-quick-${lever}-seed${seed}`])));
    assert.ok(levers.every((j) => isPresetRun(j) && jobResultsFile(j) === path.join(j.outDir, 'results.json')));
    assert.equal(new Set(levers.map(jobId)).size, levers.length, 'each lever job has a queue id of its own');
    assert.deepEqual(planJobs('d2nwg', { scale: 'quick', seeds: [0], root: '/r', ablations: false }).map((j) => j.part), ['main']);
    assert.deepEqual(planJobs('d2nwg', { scale: 'standard', seeds: [0], root: '/r' }).map((j) => j.part), ['main']);
    assert.deepEqual(planJobs('d2nwg', { scale: 'standard', seeds: [0], root: '/r', ablations: true }).slice(1).map((j) => j.preset),
      D2NWG_LEVER_NAMES.map((lever) => `standard-${lever}`));
    assert.equal(planJobs('pdiff', { scale: 'quick', seeds: [0], root: '/r' }).filter((j) => j.part.startsWith('lever:')).length, 0);
  });

  it('runs a smoke lever of D2NWG end to end and aggregates it beside the main runs, under ablations.levers', function () {
    this.timeout(300_000);
    const root = dirs.make();
    const [job] = planJobs('d2nwg', { scale: 'smoke', seeds: [0], root }).filter((j) => j.part === 'lever:several-conditions');
    runJob(job, findProjectRoot());
    const written = fs.statSync(jobResultsFile(job)).mtimeMs;
    runJob(job, findProjectRoot()); // finished: not run again
    assert.equal(fs.statSync(jobResultsFile(job)).mtimeMs, written);
    const run = JSON.parse(fs.readFileSync(jobResultsFile(job), 'utf8')) as D2nwgResults;
    assert.equal(run.preset, 'smoke-several-conditions');
    assert.equal(run.config.conditionsPerHead, 4);
    const main = planJobs('d2nwg', { scale: 'smoke', seeds: [0], root })[0];
    const results = aggregateJobs('d2nwg', 'smoke', [main, job]);
    assert.deepEqual(Object.keys(results.runs), [], 'a lever is not a main run');
    assert.deepEqual(results.missing, ['smoke seed 0 main']);
    const lever = results.ablations.levers['smoke-several-conditions'];
    assert.deepEqual(lever.seeds, [0]);
    assert.equal(lever.aggregate['all.generated.mean'].mean, run.summary.all.methods.generated.mean.mean);
    assert.equal(results.wallSeconds, run.timings.total);
    const [row] = resultTable(results, 'd2nwg-levers').rows;
    assert.equal(row[0], '`smoke-several-conditions` · one seed');
    assert.equal(row[2], (100 * run.summary.all.methods.generated.mean.mean).toFixed(2));
  });

  it('runs two seeds of the smoke preset, skips them when finished, and aggregates with provenance', function () {
    this.timeout(600_000);
    const root = dirs.make();
    const jobs = planJobs('pdiff', { scale: 'smoke', seeds: [0, 1], root, ablations: false }).filter((j) => j.preset === 'smoke');
    for (const job of jobs) runJob(job, findProjectRoot());
    const written = jobs.map((j) => fs.statSync(jobResultsFile(j)).mtimeMs);
    for (const job of jobs) runJob(job, findProjectRoot()); // finished: not run again
    assert.deepEqual(jobs.map((j) => fs.statSync(jobResultsFile(j)).mtimeMs), written);
    const results = aggregateJobs('pdiff', 'smoke', [...jobs, { ...jobs[0], preset: 'smoke-seeds', outDir: path.join(root, 'none') }]);
    assert.deepEqual(Object.keys(results.runs), ['smoke']);
    assert.deepEqual(results.missing, ['smoke-seeds seed 0 main']);
    const run = results.runs.smoke;
    assert.deepEqual(run.seeds, [0, 1]);
    const generated = run.perSeed.map((s) => s.metrics['generated.mean']);
    assert.equal(run.aggregate['generated.mean'].mean, (generated[0] + generated[1]) / 2);
    assert.ok(run.aggregate['audit.cT.function'].n === 2, 'the audit is recorded per seed');
    assert.equal(results.commits.length, 1);
    assert.match(results.commits[0], /^[0-9a-f]{40}$/);

    // BEND on the same preset and seed starts from the finished p-diff run's generator.
    const [bendJob] = planJobs('bend', { scale: 'smoke', seeds: [0], root });
    assert.equal(bendJob.lender, jobs[0].outDir);
    runJob(bendJob, findProjectRoot());
    for (const file of ['autoencoder-state.safetensors', 'diffusion-state.safetensors', 'run.json']) {
      assert.ok(fs.readFileSync(path.join(bendJob.outDir, file)).equals(fs.readFileSync(path.join(jobs[0].outDir, file))), `${file} copied, not retrained`);
    }
    assert.ok(aggregateJobs('bend', 'smoke', [bendJob]).runs.smoke.aggregate['sBEND/20.acc'], 'BEND scored');
    const lent = JSON.parse(fs.readFileSync(jobResultsFile(jobs[0]), 'utf8')) as PdiffResults;
    const { cost } = JSON.parse(fs.readFileSync(jobResultsFile(bendJob), 'utf8')) as BendResults;
    assert.deepEqual([cost.bend.collect, cost.bend.autoencoder, cost.bend.diffusion], [lent.timings.collect, lent.timings.autoencoder, lent.timings.diffusion],
      'the generator costs what it cost in the p-diff run, not the seconds of reloading it');
    assert.equal(cost.borrowedFrom, jobs[0].outDir);
    assert.equal(borrowGenerator(jobs[0].outDir, bendJob.outDir), false, 'a directory with a generator is left alone');
  });
});
