/**
 * The BEND run's typed config: the p-diff generator it trains (every p-diff preset, with its zoo
 * recipe: `quick`, `quick-epochs`, `quick-seeds`, …) and the ensemble experiment on top of it.
 */
import { DEFAULT_ECE_BINS } from '../ensemble/calibration';
import type { DeepEnsembleConfig } from '../ensemble/deep-ensemble';
import { pdiffSeeds, preset as pdiffPreset, type PdiffConfig } from '../pdiff/config';

export interface BendConfig {
  /**
   * The generator: zoo (`pdiff.zoo`: a trajectory or independently trained seeds), autoencoder and
   * latent DDPM exactly as the p-diff run of the same preset and seed (same output directory = same
   * zoo); the generator trains on the zoo's training members, as p-diff's does. Its `generated`
   * and `noiseSigmas` belong to the p-diff runner and are not used here.
   */
  pdiff: PdiffConfig;
  /** M_max, generated members sampled in one batch with seed + 3 (the p-diff runner's sampling seed). */
  members: number;
  /** Ensemble sizes M of the accuracy curve; an ensemble of size M is the first M members in sampling order. */
  ensembleSizes: number[];
  /** Sizes M at which the results table reports BEND alone and added to the N zoo members (accuracy, NLL, ECE, Brier, OOD). */
  calibrationSizes: number[];
  /**
   * aBEND temperatures; at each M the τ with the best val accuracy of the ensemble is used (ties:
   * the larger τ). Val accuracies of generated members differ by ~0.1–1%, so τ = 0.1 is close
   * to sBEND and τ = 0.0005 close to the single val-best member.
   */
  tauGrid: number[];
  /** k of the "sBEND over the top-k members by val accuracy" variant, chosen by val accuracy (ties: the smaller k). */
  topKGrid: number[];
  /** Equal-width confidence bins of the expected calibration error. */
  eceBins: number;
  /**
   * σ of the "noise-added copies" baselines: M_max copies of the zoo members (copy m of member
   * m mod N) plus N(0, σ²) on every parameter of the subset, alone and added to the zoo.
   */
  noiseSigmas: number[];
  /**
   * Out-of-distribution images: this many drawn from the test split of the other dataset (an MNIST
   * run is shown Fashion-MNIST, a Fashion-MNIST run MNIST), normalised as the run's own images.
   */
  ood: { images: number };
  /** Task models trained from scratch, whole networks (not on the zoo's trunk). */
  deepEnsemble: DeepEnsembleConfig;
}

/** Seeds of BEND's own random purposes (the generator's stages use `pdiffSeeds`). */
export function bendSeeds(seed: number) {
  return {
    /** Which OOD images are drawn. */
    oodImages: seed + 300,
    /** The noise-added copies of σ number i: the stream of the p-diff runner's noise baseline. */
    noiseCopies: pdiffSeeds(seed).noiseBaseline,
  };
}

/** BEND's own fields, the same for every preset. */
export const defaultBendOptions: Omit<BendConfig, 'pdiff'> = {
  members: 100,
  ensembleSizes: [1, 2, 5, 10, 20, 50, 100],
  calibrationSizes: [10, 50, 100],
  tauGrid: [0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005],
  topKGrid: [5, 10, 20, 50],
  eceBins: DEFAULT_ECE_BINS,
  noiseSigmas: [0.01, 0.05],
  ood: { images: 2000 },
  deepEnsemble: { size: 5, seedOffset: 100, modelsAtOnce: 1 },
};

/**
 * Per-scale changes to the defaults: `smoke` (the notebooks' CI runs, seconds) samples 20
 * members, shows 500 OOD images and trains a deep ensemble of 2; its numbers show that the code
 * runs, nothing more.
 */
const presetOptions: Record<string, Partial<Omit<BendConfig, 'pdiff'>>> = {
  smoke: {
    members: 20, ensembleSizes: [1, 2, 5, 10, 20], calibrationSizes: [5, 10, 20], topKGrid: [5, 10], ood: { images: 500 },
    deepEnsemble: { size: 2, seedOffset: 100, modelsAtOnce: 1 },
  },
};

/** The scale of a p-diff preset name: `quick-seeds`, `quick-recipes` and `quick-epochs` are `quick`. */
const scaleOf = (name: string) => name.replace(/-(epochs|seeds|recipes)$/, '');

/** Any p-diff preset (smoke, quick, standard, each also `-epochs` and `-seeds`) with BEND's defaults for its scale. */
export function preset(name: string, seed = 0): BendConfig {
  return { pdiff: pdiffPreset(name, seed), ...structuredClone(defaultBendOptions), ...structuredClone(presetOptions[scaleOf(name)]) };
}
