/**
 * The BEND run's typed config: the p-diff generator it trains (presets `quick` and `standard`
 * reused from p-diff) and the ensemble experiment on top of it.
 */
import { DEFAULT_ECE_BINS } from '../ensemble/calibration';
import type { DeepEnsembleConfig } from '../ensemble/deep-ensemble';
import { preset as pdiffPreset, type PdiffConfig } from '../pdiff/config';

export interface BendConfig {
  /**
   * The generator: collection, autoencoder and latent DDPM exactly as the p-diff run of the same
   * preset and seed (same output directory = same zoo). Its `generated` and `noiseSigmas` belong
   * to the p-diff runner and are not used here.
   */
  pdiff: PdiffConfig;
  /** M_max, generated members sampled in one batch with seed + 3 (the p-diff runner's sampling seed). */
  members: number;
  /** Ensemble sizes M of the accuracy curve; an ensemble of size M is the first M members in sampling order. */
  ensembleSizes: number[];
  /** Sizes M at which the results table reports accuracy, NLL and ECE. */
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
  deepEnsemble: DeepEnsembleConfig;
}

/** BEND's own fields, the same for every preset. */
export const defaultBendOptions: Omit<BendConfig, 'pdiff'> = {
  members: 100,
  ensembleSizes: [1, 2, 5, 10, 20, 50, 100],
  calibrationSizes: [10, 100],
  tauGrid: [0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005],
  topKGrid: [5, 10, 20, 50],
  eceBins: DEFAULT_ECE_BINS,
  deepEnsemble: { size: 5, seedOffset: 100 },
};

/**
 * Per-preset changes to the defaults: `smoke` (the notebooks' CI runs, seconds) samples 20
 * members and trains a deep ensemble of 2; its numbers show that the code runs, nothing more.
 */
const presetOptions: Record<string, Partial<Omit<BendConfig, 'pdiff'>>> = {
  smoke: {
    members: 20, ensembleSizes: [1, 2, 5, 10, 20], calibrationSizes: [10, 20], topKGrid: [5, 10], deepEnsemble: { size: 2, seedOffset: 100 },
  },
};

/** A p-diff preset (smoke, quick, standard) with BEND's defaults. */
export function preset(name: string, seed = 0): BendConfig {
  return { pdiff: pdiffPreset(name, seed), ...structuredClone(defaultBendOptions), ...structuredClone(presetOptions[name]) };
}
