/**
 * Issue 15's ablations as config switches over one zoo: each variant × generator seed is a
 * `runWhole` in `<outDir>/<variant>/seed<k>` (results.json there), all sharing `<outDir>/zoo`; a
 * variant that differs from `full` only after generation (BN statistics) reuses full's generator.
 */
import * as path from 'node:path';
import { defaultBehaviourLossConfig } from '../../autoencoder/behaviour';
import type { DataSplits } from '../../data/dataset';
import { mean, median, std } from '../../eval/stats';
import { writeFileAtomic } from '../../util/atomic-write';
import { InputError } from '../../util/errors';
import type { ProgressFn } from '../../util/progress';
import { RESULTS_FILE } from '../../util/run-dir';
import type { Row } from '../../viz/table';
import type { WholeConfig } from './config';
import type { WholeResults } from './results';
import { runWhole, WHOLE_ZOO_DIR } from './run';

export type WholeVariant = 'full' | 'no-align' | 'no-bn-recalibration' | 'ddpm' | 'latent-ddpm' | 'latent-ddpm-behaviour' | 'weight-space';

/** Each variant: the config with one switch turned ('latent-ddpm-behaviour': 'latent-ddpm' with the autoencoder's behavioural loss on). */
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
    default: throw new InputError(`unknown whole-network variant ${JSON.stringify(variant)}`);
  }
}

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
      const generatorDir = variant === 'no-bn-recalibration' ? path.join(outDir, 'full', `seed${seed}`) : dir;
      const results = runWhole({ ...wholeVariant(config, variant), seed }, data, { outDir: dir, zooDir: path.join(outDir, WHOLE_ZOO_DIR), generatorDir, onProgress });
      writeFileAtomic(path.join(dir, RESULTS_FILE), `${JSON.stringify(results, null, 1)}\n`);
      runs.push({ variant, seed, results });
    }
  }
  return runs;
}

const pts = (v: number) => (100 * v).toFixed(2);
/** "mean ± std" over the seeds, in points. */
const meanStd = (values: number[]) => (values.length > 1 ? `${pts(mean(values))} ± ${pts(std(values))}` : pts(values[0]));

/** One row per variant: the zoo's and the generated networks' test accuracy (%, mean ± std over seeds), the gaps, the audit. */
export function ablationTable(runs: WholeAblationRun[]): Row[] {
  const variants = [...new Set(runs.map((r) => r.variant))];
  return variants.map((variant) => {
    const rs = runs.filter((r) => r.variant === variant).map((r) => r.results);
    const of = (f: (r: WholeResults) => number | null | undefined) => rs.map(f).filter((v): v is number => typeof v === 'number');
    const average = of((r) => r.audit?.points['weight average']?.[0]?.accuracy);
    return {
      variant,
      seeds: rs.length,
      'zoo mean': pts(rs[0].zoo.test.mean),
      'zoo median': pts(rs[0].zoo.test.median),
      'generated mean': meanStd(of((r) => r.generated.test.mean)),
      'generated median': meanStd(of((r) => r.generated.test.median)),
      'generated min': meanStd(of((r) => r.generated.test.min)),
      'gap mean': meanStd(of((r) => r.gap.mean)),
      'gap median': meanStd(of((r) => r.gap.median)),
      'weight average': average.length ? pts(median(average)) : '–',
      'C_T weight': fixed(of((r) => r.audit?.copying.weight.cT)),
      'C_T function': fixed(of((r) => r.audit?.copying.function.cT)),
      'NN gen / held-out (function)': fixed(of((r) => r.audit && r.audit.nearest.function.generated.median / r.audit.nearest.function['held-out'].median)),
    };
  });
}

function fixed(values: number[]): string {
  return values.length ? `${mean(values).toFixed(2)}${values.length > 1 ? ` ± ${std(values).toFixed(2)}` : ''}` : '–';
}
