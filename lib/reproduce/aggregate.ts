/**
 * `results/<paper>-<scale>.json`: every finished job's numbers per seed and their aggregate (mean,
 * sample std, 95% t-interval), with the commits, backends and machines that produced them and the
 * wall time. Built from the jobs' own result files only, so it can be rebuilt at any time.
 */
import type { BendResults } from '../bend/results';
import type { D2nwgResults } from '../d2nwg/results';
import { meanInterval, type Interval } from '../eval/interval';
import type { PdiffResults, VariantResult } from '../pdiff';
import type { WholeResults } from '../pdiff/whole/results';
import { readJobResults } from './jobs';
import { bendMetrics, d2nwgMetrics, pdiffMetrics, wholeMetrics, type Metrics } from './metrics';
import { isPresetRun, LEVERS, WHOLE, wholeVariantOf, type Job, type Paper, type Scale } from './plan';
import type { Provenance } from './provenance';

export interface SeedRun {
  seed: number;
  metrics: Metrics;
  wallSeconds: number;
  commit: string | null;
  dirty: boolean;
}

export interface Aggregated {
  seeds: number[];
  perSeed: SeedRun[];
  /** Per metric over the seeds that measured it. */
  aggregate: Record<string, Interval>;
}

export interface ResultsFile {
  paper: Paper;
  scale: Scale;
  /** The commits whose code produced these numbers (one, when the reproduction ran on one commit). */
  commits: string[];
  seeds: number[];
  backends: string[];
  machines: string[];
  /**
   * Main runs by preset; p-diff ablations by ablation, then setting, and its whole-network variants
   * under `whole`, by variant; D2NWG's levers under `levers`, by preset.
   */
  runs: Record<string, Aggregated>;
  ablations: Record<string, Record<string, Aggregated>>;
  /** Jobs planned but not finished: what this file does not cover yet. */
  missing: string[];
  wallSeconds: number;
}

function aggregate(runs: SeedRun[]): Aggregated {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))];
  const aggregate = Object.fromEntries(names.map((name) => [name, meanInterval(runs.flatMap((r) => name in r.metrics ? [r.metrics[name]] : []))]));
  return { seeds: runs.map((r) => r.seed), perSeed: runs, aggregate };
}

const metricsOf = (paper: Paper, results: unknown): Metrics =>
  paper === 'pdiff' ? pdiffMetrics(results as PdiffResults)
    : paper === 'bend' ? bendMetrics(results as BendResults) : d2nwgMetrics(results as D2nwgResults);

const seedRun = (seed: number, metrics: Metrics, wallSeconds: number, p: Provenance): SeedRun =>
  ({ seed, metrics, wallSeconds, commit: p.commit, dirty: p.dirty });

/** The results file of `jobs` (one paper, one scale) from what has finished. */
export function aggregateJobs(paper: Paper, scale: Scale, jobs: readonly Job[]): ResultsFile {
  const main: Record<string, SeedRun[]> = {};
  const ablations: Record<string, Record<string, SeedRun[]>> = {};
  const provenances: Provenance[] = [];
  const missing: string[] = [];
  let wallSeconds = 0;
  for (const job of jobs) {
    const done = readJobResults(job);
    if (!done) {
      missing.push(`${job.preset} seed ${job.seed} ${job.part}`);
      continue;
    }
    provenances.push(done.provenance);
    if (isPresetRun(job)) {
      const wall = (done.results as { timings: { total: number } }).timings.total;
      wallSeconds += wall;
      const runs = job.part === 'main' ? main : (ablations[LEVERS] ??= {});
      (runs[job.preset] ??= []).push(seedRun(job.seed, metricsOf(paper, done.results), wall, done.provenance));
      continue;
    }
    const variant = wholeVariantOf(job);
    if (variant) {
      const whole = done.results as WholeResults;
      wallSeconds += whole.timings.total;
      ((ablations[WHOLE] ??= {})[variant] ??= []).push(seedRun(job.seed, wholeMetrics(whole), whole.timings.total, done.provenance));
      continue;
    }
    const byVariant = (ablations[job.part.slice('ablation:'.length)] ??= {});
    for (const v of done.results as VariantResult[]) {
      wallSeconds += v.results.timings.total;
      (byVariant[v.setting] ??= []).push(seedRun(job.seed, pdiffMetrics(v.results), v.results.timings.total, done.provenance));
    }
  }
  const unique = (values: (string | null | undefined)[]) => [...new Set(values.filter((v): v is string => !!v))];
  return {
    paper, scale,
    commits: unique(provenances.map((p) => p.commit)),
    seeds: [...new Set(jobs.map((j) => j.seed))],
    backends: unique(provenances.map((p) => p.backend)),
    machines: unique(provenances.map((p) => `${p.machine.cpu ?? '?'} (${p.machine.cpus} cores)`)),
    runs: Object.fromEntries(Object.entries(main).map(([preset, runs]) => [preset, aggregate(runs)])),
    ablations: Object.fromEntries(Object.entries(ablations).map(([name, byVariant]) =>
      [name, Object.fromEntries(Object.entries(byVariant).map(([setting, runs]) => [setting, aggregate(runs)]))])),
    missing,
    wallSeconds,
  };
}
