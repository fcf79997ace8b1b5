/**
 * What a reproduction runs: for each paper and scale, its main runs per seed (for p-diff: the
 * trajectory zoo, the paper's per-epoch trajectory and a seeds zoo, each with the copying audit)
 * and, where asked, the paper's ablations (D2NWG's: its levers toward the target, each a run of the
 * scale's preset with one switch, lib/d2nwg/levers.ts; p-diff's: its Table 2, and whole-network
 * generation's variants, each per generator seed over one zoo). Every job has its own run
 * directory (or its own results file in a directory its group shares), so any job can resume, run
 * on any worker that reaches the directory, or be skipped when finished.
 */
import * as path from 'node:path';
import { D2NWG_LEVER_NAMES } from '../d2nwg/levers';
import { variantInapplicable, type WholeVariant } from '../pdiff/whole/ablations';
import { wholePreset } from '../pdiff/whole/config';
import { InputError } from '../util/errors';

export const PAPERS = ['pdiff', 'd2nwg', 'bend'] as const;
export type Paper = (typeof PAPERS)[number];
export const SCALES = ['smoke', 'quick', 'standard'] as const;
export type Scale = (typeof SCALES)[number];
/** The p-diff ablations of the paper's Table 2. */
export const ABLATIONS = ['snapshots', 'noise', 'layers'] as const;
export type Ablation = (typeof ABLATIONS)[number];
export const isTable2Ablation = (name: string): name is Ablation => (ABLATIONS as readonly string[]).includes(name);
/** Where a results file keeps D2NWG's lever runs: `ablations.levers`, by preset. */
export const LEVERS = 'levers';
/** Where a results file keeps whole-network generation's runs: `ablations.whole`, by variant; their jobs are `whole:<variant>`. */
export const WHOLE = 'whole';

/** The whole-network preset of each scale (`whole`: ConvNet-S on Fashion-MNIST, hours; the others: MLPs on the embedded digits). */
export const WHOLE_PRESETS: Record<Scale, string> = { smoke: 'whole-smoke', quick: 'whole-quick', standard: 'whole' };

/**
 * The whole-network variants p-diff's grid runs, each at the scales whose preset it applies to
 * (variantInapplicable: no-bn-recalibration needs BN, so not on the MLPs; the behavioural loss
 * needs a differentiable whole-network cut, so not on ConvNet-S). 'weight-space' is left out: flow
 * matching on whole-quick's 101,770 standardised weights took 1.5 s per step on one core (about
 * 1.7 hours per generator seed); runWholeAblations runs it on request.
 */
export const WHOLE_GRID_VARIANTS: readonly WholeVariant[] = ['full', 'no-align', 'no-bn-recalibration', 'ddpm', 'latent-ddpm', 'latent-ddpm-behaviour', 'long-flow', 'long-flow-merge-many', 'long-flow-val-floor'];

export interface Job {
  paper: Paper;
  /** The preset run (a scale, or a scale's zoo variant such as `standard-seeds`). */
  preset: string;
  seed: number;
  /**
   * 'main'; 'ablation:<name>' (p-diff, its settings' runs under one directory); 'whole:<variant>'
   * (p-diff, one generator seed of a whole-network variant, in the directory of the scale's whole
   * preset); or 'lever:<name>' (D2NWG, a whole run of the lever's preset `<scale>-<name>` in its own directory).
   */
  part: string;
  /** The job's run directory (for 'whole:' jobs, shared by all of them: it holds their zoo). */
  outDir: string;
  /** A BEND job's p-diff run of the same preset and seed, whose trained generator it copies when finished. */
  lender?: string;
}

export interface PlanOptions {
  scale: Scale;
  seeds: number[];
  /** Run directories live under `<root>/<scale>/`. */
  root: string;
  /** p-diff's ablations and D2NWG's levers too (default: at quick and smoke scale only; hours at standard). */
  ablations?: boolean;
  /** p-diff's whole-network variants too (default: as `ablations`). */
  whole?: boolean;
}

/**
 * The presets of a paper's main runs at a scale (BEND: on the trajectory zoo, the seeds zoo, and
 * whole networks, except at standard: the ConvNet-S zoo of `whole` takes hours; run it with
 * `npm run bend -- --preset whole`).
 */
export function mainPresets(paper: Paper, scale: Scale): string[] {
  if (paper === 'pdiff') return [scale, `${scale}-epochs`, `${scale}-seeds`];
  const whole = scale === 'standard' ? [] : [WHOLE_PRESETS[scale]];
  return paper === 'bend' ? [scale, `${scale}-seeds`, ...whole] : [scale];
}

export function planJobs(paper: Paper, options: PlanOptions): Job[] {
  if (!PAPERS.includes(paper)) throw new InputError(`unknown paper ${paper}; use one of ${PAPERS.join(', ')} or all`);
  if (!SCALES.includes(options.scale)) throw new InputError(`unknown scale ${options.scale}; use one of ${SCALES.join(', ')}`);
  if (options.seeds.length === 0 || options.seeds.some((s) => !(Number.isInteger(s) && s >= 0))) {
    throw new InputError(`seeds must be non-negative integers, got [${options.seeds.join(', ')}]`);
  }
  const dir = (name: string) => path.resolve(options.root, options.scale, name);
  const prefix = paper === 'pdiff' ? '' : `${paper}-`;
  const jobs: Job[] = options.seeds.flatMap((seed) => mainPresets(paper, options.scale).map((preset) => ({
    paper, preset, seed, part: 'main', outDir: dir(`${prefix}${preset}-seed${seed}`),
    ...(paper === 'bend' && !preset.startsWith('whole') ? { lender: dir(`${preset}-seed${seed}`) } : {}),
  })));
  const ablations = options.ablations ?? options.scale !== 'standard';
  if (paper === 'pdiff' && ablations) {
    for (const seed of options.seeds) {
      for (const name of ABLATIONS) jobs.push({ paper, preset: options.scale, seed, part: `ablation:${name}`, outDir: dir(`ablations-seed${seed}`) });
    }
  }
  if (paper === 'pdiff' && (options.whole ?? ablations)) {
    // One directory per scale: its zoo serves every variant and seed (pdiff.whole.runWholeAblations' layout).
    const preset = WHOLE_PRESETS[options.scale];
    const config = wholePreset(preset);
    const variants = WHOLE_GRID_VARIANTS.filter((v) => !variantInapplicable(config, v));
    for (const seed of options.seeds) {
      for (const variant of variants) jobs.push({ paper, preset, seed, part: `${WHOLE}:${variant}`, outDir: dir(preset) });
    }
  }
  if (paper === 'd2nwg' && ablations) {
    for (const seed of options.seeds) {
      for (const lever of D2NWG_LEVER_NAMES) {
        const preset = `${options.scale}-${lever}`;
        jobs.push({ paper, preset, seed, part: `lever:${lever}`, outDir: dir(`${prefix}${preset}-seed${seed}`) });
      }
    }
  }
  return jobs;
}

/** The whole-network variant a job runs, or undefined for any other job. */
export const wholeVariantOf = (job: Pick<Job, 'part'>): WholeVariant | undefined =>
  job.part.startsWith(`${WHOLE}:`) ? (job.part.slice(WHOLE.length + 1) as WholeVariant) : undefined;

/** Whether a job is a whole run of its preset, whose results.json is its own directory's (a main run or a D2NWG lever). */
export const isPresetRun = (job: Pick<Job, 'part'>): boolean => job.part === 'main' || job.part.startsWith('lever:');
