/**
 * Issue 15's ablations as config switches over one zoo: each variant × generator seed is a
 * `runWhole` in `<outDir>/<variant>/seed<k>` (results.json there), all sharing `<outDir>/zoo`; a
 * variant that differs from another only after generation (BN statistics, acceptance) reuses its generator.
 */
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { defaultBehaviourLossConfig } from '../../autoencoder/behaviour';
import type { DataSplits } from '../../data/dataset';
import { meanInterval } from '../../eval/interval';
import { writeFileAtomic } from '../../util/atomic-write';
import { InputError } from '../../util/errors';
import type { ProgressFn } from '../../util/progress';
import { RESULTS_FILE } from '../../util/run-dir';
import type { Row } from '../../viz/table';
import type { WholeConfig } from './config';
import type { WholeResults } from './results';
import { behaviourCutProblem, runWhole, WHOLE_ZOO_DIR } from './run';
import { wholeCells, wholeSummary, WHOLE_COLUMNS } from './summary';

export type WholeVariant = 'full' | 'no-align' | 'no-bn-recalibration' | 'ddpm' | 'latent-ddpm' | 'latent-ddpm-behaviour' | 'weight-space' | 'long-flow' | 'long-flow-merge-many' | 'long-flow-val-floor';

/**
 * 'long-flow' trains the flow this many times the preset's steps: the best by validation accuracy
 * of 1, 4, 16 and 64 times at `whole` (generator seed 0, 30 networks, BN recalibrated: 80.6, 84.4,
 * 87.2 and 86.7%, the training members' 88.6%). A longer-trained flow lands nearer the members
 * (weight-space distance to the nearest one 0.64, 0.51, 0.41 and 0.36 times a held-out run's),
 * which the copying audit weighs.
 */
export const LONG_FLOW_FACTOR = 16;

/**
 * Each variant: the config with one switch turned ('latent-ddpm-behaviour': 'latent-ddpm' with the
 * autoencoder's behavioural loss on; 'long-flow-merge-many': 'long-flow' on a MergeMany-aligned zoo;
 * 'long-flow-val-floor': 'long-flow' keeping only the samples that pass the validation floor).
 */
export function wholeVariant(config: WholeConfig, variant: WholeVariant): WholeConfig {
  switch (variant) {
    case 'full': return config;
    case 'no-align': return { ...config, align: 'none' };
    case 'no-bn-recalibration': return { ...config, bnRecalibration: 'none' };
    case 'ddpm': return { ...config, generator: 'ddpm' };
    case 'latent-ddpm': return { ...config, generator: 'latent-ddpm' };
    case 'latent-ddpm-behaviour': {
      const { latent } = config;
      return { ...config, generator: 'latent-ddpm', latent: { ...latent, autoencoderTrain: { ...latent.autoencoderTrain, behaviour: defaultBehaviourLossConfig } } };
    }
    case 'weight-space': return { ...config, space: 'weights' };
    case 'long-flow': return { ...config, flow: { ...config.flow, train: { ...config.flow.train, steps: config.flow.train.steps * LONG_FLOW_FACTOR } } };
    case 'long-flow-merge-many': return { ...wholeVariant(config, 'long-flow'), align: 'merge-many' };
    case 'long-flow-val-floor': return { ...wholeVariant(config, 'long-flow'), acceptance: 'zoo-val-floor' };
    default: throw new InputError(`unknown whole-network variant ${JSON.stringify(variant)}`);
  }
}

/**
 * Why `variant` is no ablation of `config` (running it would rerun `full`), or undefined when it is
 * one: no BN recalibration on a network without BN, a longer flow where no flow generates, or a switch the preset has already turned
 * (weight-space on whole-smoke, which generates on the weights).
 */
export function variantInapplicable(config: WholeConfig, variant: WholeVariant): string | undefined {
  if (variant === 'no-bn-recalibration' && config.model.kind === 'mlp') return 'the MLP has no BatchNorm statistics to recompute';
  if (variant.startsWith('long-flow') && config.generator !== 'flow') return `${config.preset} generates with ${config.generator}, not a flow`;
  if (variant === 'latent-ddpm-behaviour') {
    const problem = behaviourCutProblem(config);
    if (problem) return problem;
  }
  if (variant !== 'full' && isDeepStrictEqual(wholeVariant(config, variant), config)) return `${config.preset} already is ${variant}`;
  return undefined;
}

/** Variants that differ from another only after generation, and reuse its trained generator. */
const GENERATOR_OF: Partial<Record<WholeVariant, WholeVariant>> = { 'no-bn-recalibration': 'full', 'long-flow-val-floor': 'long-flow' };

export interface WholeAblationOptions {
  outDir: string;
  /** Generator seeds (config.seed of each run); one zoo serves them all. */
  seeds: number[];
  variants: WholeVariant[];
  onProgress?: ProgressFn;
}

export interface WholeAblationRun {
  variant: WholeVariant;
  seed: number;
  results: WholeResults;
}

export function runWholeAblations(config: WholeConfig, data: DataSplits, options: WholeAblationOptions): WholeAblationRun[] {
  const { outDir, seeds, variants, onProgress } = options;
  const runs: WholeAblationRun[] = [];
  for (const variant of variants) {
    for (const seed of seeds) {
      const dir = path.join(outDir, variant, `seed${seed}`);
      const shared = GENERATOR_OF[variant];
      const generatorDir = shared ? path.join(outDir, shared, `seed${seed}`) : dir;
      const results = runWhole({ ...wholeVariant(config, variant), seed }, data, { outDir: dir, zooDir: path.join(outDir, WHOLE_ZOO_DIR), generatorDir, onProgress });
      writeFileAtomic(path.join(dir, RESULTS_FILE), `${JSON.stringify(results, null, 1)}\n`);
      runs.push({ variant, seed, results });
    }
  }
  return runs;
}

/** One row per variant: the zoo's and the generated networks' test accuracy (%, mean ± sample std over seeds), the gaps, the audit (WHOLE_COLUMNS). */
export function ablationTable(runs: WholeAblationRun[]): Row[] {
  const variants = [...new Set(runs.map((r) => r.variant))];
  return variants.map((variant) => {
    const summaries = runs.filter((r) => r.variant === variant).map((r) => wholeSummary(r.results));
    const over = (metric: string) => {
      const values = summaries.map((s) => s[metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      return values.length ? meanInterval(values) : undefined;
    };
    const cells = wholeCells(over);
    return { variant, seeds: summaries.length, ...Object.fromEntries(WHOLE_COLUMNS.map((c, i) => [c.label, cells[i]])) };
  });
}
