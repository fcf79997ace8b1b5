/** What a BEND run measured (`results.json`): ensembles of generated models against the baselines, diversity, cost. */
import type { Calibration } from '../ensemble/calibration';
import type { Diversity } from '../ensemble/diversity';

/** Accuracy, NLL and ECE of one method on val and on test. */
export interface SplitScores {
  val: Calibration;
  test: Calibration;
}

/** One row of the results table: an ensemble or a single-model baseline. */
export interface MethodScore extends SplitScores {
  /** e.g. 'sBEND', 'aBEND', 'vote', 'snapshot ensemble', 'deep ensemble', 'generated: val-selected'. */
  method: string;
  /** Base classifiers it combines (1 for a single model). */
  members: number;
  /** How it was configured or selected, e.g. 'τ = 0.01 (val)'; '' if nothing was chosen. */
  detail: string;
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
}

/** Pairwise diversity of a set of members on test, with their mean single-model test accuracy. */
export interface MemberDiversity extends Diversity {
  meanTestAccuracy: number;
}

/** Val and test accuracy of each single member of a population. */
export interface MemberAccuracies {
  val: number[];
  test: number[];
}

export interface BendResults {
  experiment: 'bend';
  preset: string;
  seed: number;
  backend: string;
  dataset: string;
  subset: { patterns: string[]; layers: string[]; size: number };
  /** How many generated members, original snapshots (K) and deep-ensemble models were evaluated. */
  counts: { generated: number; originals: number; deepEnsemble: number };
  /** The results table: BEND ensembles at the calibration sizes and every baseline. */
  methods: MethodScore[];
  curve: BendCurve;
  /** aBEND over all M_max members at every τ of the grid (the choice on val made visible). */
  tauSweep: { members: number; tau: number[]; val: number[]; test: number[] };
  /** sBEND over the top-k members by val accuracy at every k of the grid. */
  topKSweep: { k: number[]; val: number[]; test: number[] };
  diversity: { generated: MemberDiversity; originals: MemberDiversity; deepEnsemble: MemberDiversity };
  /** Single-model accuracies, for plots. */
  singles: { generated: MemberAccuracies; originals: MemberAccuracies; deepEnsemble: MemberAccuracies };
  /** Wall seconds. */
  cost: {
    /** BEND's cost to produce its members: the zoo (task model training + K snapshots), autoencoder, diffusion, sampling + decoding. */
    bend: { collect: number; autoencoder: number; diffusion: number; sample: number; total: number };
    /** Independently trained models: each one's `trainModel` seconds and their sum. */
    deepEnsemble: { train: number[]; total: number };
    /** Inference on val + test: BEND's frozen features once + M_max heads; the deep ensemble's full forward passes. */
    evaluate: { bend: number; deepEnsemble: number };
    /** Stages continued or loaded from an earlier run in the same output directory ('collect', 'autoencoder', 'diffusion'): their seconds are not their full cost. */
    resumedStages: string[];
  };
  timings: { total: number };
  config: Record<string, unknown>;
}
