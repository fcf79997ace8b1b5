/**
 * The ablations of the p-diff paper (its Table 2): the number of snapshots K, the noise
 * augmentation of the autoencoder, and which layers are generated. Each ablation is a list of
 * configs derived from one base config; `runVariants` runs them end to end and returns what each
 * run measured. Runs share work on disk: one directory per stage-1 setting (variants that differ
 * only in the autoencoder or later reuse one collection), and one trained base model for all
 * settings with the same model, training, data and seed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSplits } from '../data/dataset';
import { batchCount } from '../models/batches';
import { configHash } from '../util/config-diff';
import { InputError } from '../util/errors';
import { BASE_MODEL_FILE } from '../zoo/base-model';
import { run } from './run';
import { isIndependentZoo, type PdiffConfig } from './config';
import type { PdiffResults } from './results';
import type { ProgressFn } from '../util/progress';

export interface PdiffVariant {
  /** The ablation the variant belongs to, e.g. 'snapshots'. */
  ablation: string;
  /** The setting in words, e.g. 'K = 10', 'input only', 'bn3/* + fc/*'. */
  setting: string;
  config: PdiffConfig;
}

export interface VariantResult {
  ablation: string;
  setting: string;
  results: PdiffResults;
}

/** The paper's K values (Table 2a; it also tries 500). */
export const paperSnapshotCounts: readonly number[] = [1, 10, 50, 200];

/** The subsets of ConvNet-S whose generation the layer ablation compares (the paper: which BN layers). */
export const convnetLayerSubsets: readonly (readonly string[])[] = [['bn3/*'], ['fc/*'], ['bn3/*', 'fc/*']];

/**
 * Variants follow the paper's protocol: compared on their generated models against their
 * originals, all K snapshots train the generator; the noise baselines and the copying audit (a
 * property of the zoo, not of the setting) are left to the main run.
 */
const asVariant = (config: PdiffConfig): PdiffConfig => ({ ...config, noiseSigmas: [], audit: { ...config.audit, holdOutEvery: 0 } });

/**
 * One variant per K. All of them fine-tune for the same number of steps, enough for the largest
 * K (`snapshotSteps` needs at least K steps): the base config's epochs, raised to
 * ceil(max K / steps per epoch) when they give too few. So the variants differ in K only, and
 * K snapshots are spread evenly over one and the same fine-tuning run.
 */
export function snapshotCountVariants(base: PdiffConfig, ks: readonly number[], trainSize: number): PdiffVariant[] {
  if (ks.length === 0 || !ks.every((k) => Number.isInteger(k) && k >= 1)) throw new InputError(`K values must be positive integers, got [${ks.join(', ')}]`);
  const stepsPerEpoch = batchCount(trainSize, base.collect.finetuneBatchSize);
  const finetuneEpochs = Math.max(base.collect.finetuneEpochs, Math.ceil(Math.max(...ks) / stepsPerEpoch));
  return ks.map((k) => ({
    ablation: 'snapshots',
    setting: `K = ${k}`,
    config: asVariant({ ...base, collect: { ...base.collect, finetuneEpochs, snapshots: k, saveEvery: Math.min(base.collect.saveEvery, k) } }),
  }));
}

/**
 * The four settings of the autoencoder's noise augmentation, with the base config's factors
 * (p-diff: input a = 0.001, latent a = 0.1) switched on or off.
 */
export function noiseVariants(base: PdiffConfig): PdiffVariant[] {
  const { inputNoise, latentNoise } = base.autoencoder;
  const settings: [string, number, number][] = [
    ['none', 0, 0],
    ['input only', inputNoise, 0],
    ['latent only', 0, latentNoise],
    ['both', inputNoise, latentNoise],
  ];
  return settings.map(([setting, input, latent]) => ({
    ablation: 'noise',
    setting,
    config: asVariant({ ...base, autoencoder: { ...base.autoencoder, inputNoise: input, latentNoise: latent } }),
  }));
}

/** One variant per generated subset (layer patterns). */
export function layerVariants(base: PdiffConfig, subsets: readonly (readonly string[])[]): PdiffVariant[] {
  return subsets.map((subset) => ({
    ablation: 'layers',
    setting: subset.join(' + '),
    config: asVariant({ ...base, collect: { ...base.collect, subset: [...subset] } }),
  }));
}

/** Ten hex digits of the config-identity hash: short directory names that change with the settings. */
const shortHash = (value: unknown) => configHash(value).slice(0, 10);
const slug = (text: string) => text.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '');

/**
 * The directory under `root` for the config's stage-1 setting:
 * `<root>/<dataset>-seed<seed>-<hash of model and training>/k<K>-<subset>-<hash of the collection config>` (`n<N>-seeds-…` for a seeds zoo).
 * Created if missing; when a sibling (same model, training, data and seed) already holds a trained
 * base model, it is copied in, so `collectCheckpoints` loads it instead of training again.
 */
export function collectionDir(root: string, config: PdiffConfig): string {
  const { dataset, seed, collect } = config;
  const baseDir = path.join(root, `${dataset}-seed${seed}-${shortHash({ dataset, seed, model: collect.model, train: collect.train })}`);
  // A seeds or recipes zoo is another collection than the trajectory of the same settings (a trajectory's name is as it always was).
  const independent = isIndependentZoo(config.zoo);
  const recipe = independent ? { zoo: config.zoo, seeds: config.seeds } : {};
  const name = independent ? `n${config.seeds.members}-${config.zoo}` : `k${collect.snapshots}`;
  const dir = path.join(baseDir, `${name}-${slug(collect.subset.join('+'))}-${shortHash({ dataset, collect: { ...collect, seed }, ...recipe })}`);
  fs.mkdirSync(dir, { recursive: true });
  const own = path.join(dir, BASE_MODEL_FILE);
  if (!fs.existsSync(own)) {
    const sibling = fs.readdirSync(baseDir).map((d) => path.join(baseDir, d, BASE_MODEL_FILE)).find((f) => fs.existsSync(f));
    if (sibling) fs.copyFileSync(sibling, own);
  }
  return dir;
}

/** `run` in the config's collection directory under `root` (see `collectionDir`), the collection shared with its siblings. */
export function runUnder(root: string, config: PdiffConfig, data: DataSplits, onProgress?: ProgressFn): PdiffResults {
  return run(config, data, { outDir: collectionDir(root, config), onProgress, resume: 'collection' });
}

export interface VariantOptions {
  /** The directory holding one collection directory per stage-1 setting. */
  root: string;
  onProgress?: ProgressFn;
  /** Hears of each variant before it starts. */
  onVariant?: (variant: PdiffVariant, index: number) => void;
}

/** Runs every variant end to end, in order. */
export function runVariants(variants: readonly PdiffVariant[], data: DataSplits, options: VariantOptions): VariantResult[] {
  return variants.map((v, i) => {
    options.onVariant?.(v, i);
    return { ablation: v.ablation, setting: v.setting, results: runUnder(options.root, v.config, data, options.onProgress) };
  });
}
