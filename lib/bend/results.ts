/** What a BEND run measured (`results.json`): ensembles of generated models against the baselines, calibration, OOD, diversity, cost. */
import type { Calibration } from '../ensemble/calibration';
import type { Diversity } from '../ensemble/diversity';
import type { OodDetection } from '../ensemble/ood';
import type { ZooRecipe } from '../pdiff/config';

/** Accuracy, NLL, ECE and Brier score of one method on val and on test. */
export interface SplitScores {
  val: Calibration;
  test: Calibration;
}

/** SplitScores and the AUROC of telling the OOD images from the test images by MSP and by entropy. */
export interface EvalScores extends SplitScores {
  ood: OodDetection;
}

/**
 * Wall seconds to produce the members a row draws from (for a single-model row: its whole
 * population, since picking the best or naming the mean needs them all): total = zoo + extra.
 */
export interface MethodCost {
  total: number;
  /** The zoo's part: the trunk (task model) and the N zoo members; 0 for models trained without the zoo. */
  zoo: number;
  /** What the method adds: generator + sampling (pro rata for M < M_max), noise, or training from scratch. */
  extra: number;
}

/**
 * - 'single': one model of a population (best by test, val-selected, mean or median over the population);
 * - 'baseline': ensembles and models built without the generator (zoo ensemble, weight average,
 *   noise-added copies, the deep ensemble of full networks);
 * - 'bend': ensembles with generated members (sBEND, aBEND, vote, top-k, zoo + sBEND).
 */
export type MethodGroup = 'single' | 'baseline' | 'bend';

/** One row of the results table. */
export interface MethodScore extends EvalScores {
  /** e.g. 'sBEND', 'zoo + sBEND', 'zoo ensemble', 'deep ensemble (full networks)', 'generated: median single'. */
  method: string;
  group: MethodGroup;
  /** Base classifiers it combines (1 for a single model). */
  members: number;
  /** How it was configured or selected, e.g. 'τ = 0.01 (val)'. */
  detail: string;
  cost: MethodCost;
}

/** Accuracy of one rule at each ensemble size of the curve. */
export interface CurveSeries {
  val: number[];
  test: number[];
}

export interface BendCurve {
  /** Ensemble sizes M: the first M generated members in sampling order. */
  sizes: number[];
  sbend: CurveSeries;
  /** With the τ chosen on val at each size. */
  abend: CurveSeries & { tau: number[] };
  vote: CurveSeries;
  /** sBEND over the N zoo members and the first M generated (N + M members). */
  zooPlusSbend: CurveSeries;
}

/** Pairwise diversity of a set of members on test, beside what their sBEND ensemble gains over its mean member. */
export interface DiversityGain extends Diversity {
  /** Which members, e.g. 'generated', 'zoo', 'zoo + generated', 'noise copies σ=0.01'. */
  label: string;
  meanTestAccuracy: number;
  ensembleTestAccuracy: number;
  /** ensembleTestAccuracy − meanTestAccuracy. */
  accuracyGain: number;
  meanTestNll: number;
  ensembleTestNll: number;
  /** meanTestNll − ensembleTestNll (positive: the ensemble is better). */
  nllGain: number;
}

/** Val and test accuracy of each single member of a population. */
export interface MemberAccuracies {
  val: number[];
  test: number[];
}

/** The paper's claim, on test accuracy: BEND (all M_max members) vs the mean and median single model of each population. */
export interface PaperComparison {
  members: number;
  sbend: number;
  abend: number;
  original: { mean: number; median: number };
  generated: { mean: number; median: number };
}

export interface BendResults {
  experiment: 'bend';
  preset: string;
  seed: number;
  backend: string;
  dataset: string;
  subset: { patterns: string[]; layers: string[]; size: number };
  /**
   * The zoo: its recipe, its N members, and how the copying audit split them (the generator trains
   * on `training`). Every zoo baseline (the zoo ensemble, "original" single models, weight average,
   * noise-added copies, zoo + BEND) uses all N members: each was paid for in the zoo's cost.
   */
  zoo: { recipe: ZooRecipe; members: number; training: number; heldOut: number };
  /** The OOD images (the other dataset's test images) and the in-distribution images they are told from (the test split). */
  ood: { dataset: string; images: number; inDistribution: number };
  /** Generated members (M_max), zoo members (N) and deep-ensemble models evaluated. */
  counts: { generated: number; originals: number; deepEnsemble: number };
  /** The results table: every single-model population, baseline and BEND ensemble. */
  methods: MethodScore[];
  paper: PaperComparison;
  curve: BendCurve;
  /** aBEND over all M_max members at every τ of the grid (the choice on val made visible). */
  tauSweep: { members: number; tau: number[]; val: number[]; test: number[] };
  /** sBEND over the top-k members by val accuracy at every k of the grid. */
  topKSweep: { k: number[]; val: number[]; test: number[] };
  /** On test: `originals` are the N zoo members; `noise` one entry per σ. */
  diversity: {
    generated: DiversityGain;
    originals: DiversityGain;
    deepEnsemble: DiversityGain;
    zooPlusGenerated: DiversityGain;
    noise: DiversityGain[];
  };
  /** Single-model accuracies, for plots. */
  singles: { generated: MemberAccuracies; originals: MemberAccuracies; deepEnsemble: MemberAccuracies };
  /** Wall seconds. */
  cost: {
    /** BEND's cost to produce its members: the zoo (task model training + N members), autoencoder, diffusion, sampling + decoding M_max. */
    bend: { collect: number; autoencoder: number; diffusion: number; sample: number; total: number };
    /** Making the noise-added copies of each σ. */
    noise: { sigma: number; seconds: number }[];
    /** Independently trained models: each one's `trainModel` seconds and their sum. */
    deepEnsemble: { train: number[]; total: number };
    /** Inference on val, test and OOD: BEND's frozen features once + M_max heads; the deep ensemble's full forward passes. */
    evaluate: { bend: number; deepEnsemble: number };
    /** Stages continued or loaded from an earlier run in the same output directory ('collect', 'autoencoder', 'diffusion'): their seconds are not their full cost. */
    resumedStages: string[];
    /** The p-diff run whose trained generator this run copied (`borrowGenerator`); its stages' seconds are that run's. */
    borrowedFrom?: string;
  };
  timings: { total: number };
  config: Record<string, unknown>;
}
