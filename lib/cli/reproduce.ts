/**
 * `npm run reproduce -- pdiff|d2nwg|bend|all --seeds 0,1,2 --scale quick|standard [--root runs] [--aggregate-only]
 * [--ablations | --no-ablations] [--whole | --no-whole] [--queue redis://host:port --store DIR] [--results DIR]`:
 * runs each paper's grid (main runs; at smoke and quick scale, or with --ablations, p-diff's ablations
 * and D2NWG's levers, lib/d2nwg/levers.ts; p-diff's whole-network variants where ablations run, or
 * as --whole / --no-whole say) for the seeds, one job at a time, skipping finished
 * jobs (every job resumes from its run directory), then writes
 * results/<paper>-<scale>.json: per-seed numbers, mean ± std and 95% intervals, commits, backend,
 * machine and wall time. With --queue, the jobs go to a BullMQ queue instead, for `npm run worker`
 * on any number of machines, with run directories under the shared --store (which replaces --root);
 * the command waits for them, then writes the same files from the same run directories.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { describeBackend, initBackend } from '../backend';
import { findProjectRoot } from '../data/locate';
import { aggregateJobs } from '../reproduce/aggregate';
import { runJob } from '../reproduce/jobs';
import { PAPERS, planJobs, type Paper, type Scale } from '../reproduce/plan';
import { resultsFileName } from '../reproduce/results-files';
import { runOnQueue } from '../reproduce/queue';
import { writeFileAtomic } from '../util/atomic-write';
import { InputError } from '../util/errors';
import { lockRunDir } from '../util/run-lock';
import { consoleProgress } from '../viz/progress-reporter';
import { runMain } from './main';

runMain(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      seeds: { type: 'string', default: '0,1,2' },
      scale: { type: 'string', default: 'quick' },
      root: { type: 'string', default: 'runs' },
      'aggregate-only': { type: 'boolean', default: false },
      ablations: { type: 'boolean' },
      'no-ablations': { type: 'boolean', default: false },
      whole: { type: 'boolean' },
      'no-whole': { type: 'boolean', default: false },
      queue: { type: 'string' },
      store: { type: 'string' },
      results: { type: 'string' },
    },
  });
  if (values.queue && !values.store) throw new InputError('--queue needs --store DIR: the directory every worker reaches, for the run directories');
  const root = values.store ?? values.root;
  const ablations = values['no-ablations'] ? false : values.ablations;
  const whole = values['no-whole'] ? false : values.whole;
  const target = positionals[0] ?? 'all';
  const papers: Paper[] = target === 'all' ? [...PAPERS] : [target as Paper];
  const seeds = values.seeds.split(',').map(Number);
  const project = findProjectRoot();
  const plans = papers.map((paper) => ({ paper, jobs: planJobs(paper, { scale: values.scale as Scale, seeds, root, ablations, whole }) }));
  if (!values['aggregate-only'] && values.queue) {
    const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
    const reports = await runOnQueue(plans.flatMap((p) => p.jobs), values.scale as Scale, { url: values.queue, store: values.store!, onEvent: log });
    for (const [id, report] of reports) log(`${id}: finished on ${report.host} (${report.seconds.toFixed(1)} s)`);
  } else if (!values['aggregate-only']) {
    console.log(describeBackend(await initBackend()));
    for (const { jobs } of plans) {
      for (const job of jobs) {
        console.log(`== ${job.paper} ${job.preset} seed ${job.seed} ${job.part} in ${job.outDir}`);
        lockRunDir(job.outDir); // refused if another process works there (ablations share a directory per seed, whole-network variants one per scale)
        runJob(job, project, consoleProgress());
      }
    }
  }
  for (const { paper, jobs } of plans) {
    const file = path.resolve(values.results ?? path.join(project, 'results'), resultsFileName(paper, values.scale as Scale));
    const results = aggregateJobs(paper, values.scale as Scale, jobs);
    if (Object.keys(results.runs).length === 0) throw new InputError(`no finished ${paper} job at ${values.scale} scale under ${root}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, `${JSON.stringify(results, null, 1)}\n`);
    console.log(`wrote ${file}${results.missing.length ? ` (missing: ${results.missing.join('; ')})` : ''}`);
  }
});
