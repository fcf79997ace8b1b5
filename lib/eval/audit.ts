/**
 * The copying audit (Zeng et al., CVPR 2026: weight generators largely replicate or interpolate
 * their training checkpoints). Part of the zoo is held out as fresh models the generator never
 * saw; the generated models are then judged against them, never against an absolute threshold:
 * - nearest-neighbour distance to the training zoo, generated vs held-out, in weight space (raw,
 *   not permutation-aligned) and in function space (mean total variation between class
 *   probabilities on a fixed probe set of val images, which no permutation changes);
 * - the data-copying test C_T of Meehan et al. (AISTATS 2020) in both spaces (≪ 0: copying);
 * - test accuracy against novelty (function-space distance) beside the front that noise-added
 *   copies, the weight average and interpolations of zoo pairs draw.
 */
import type { VectorSet } from '../params/types';
import { dataCopyingTest, type DataCopyingResult } from './copying';
import { nearestNeighbours, type Metric } from './distances';
import { noveltyFront, type FrontPoint, type NoveltyFrontResult } from './novelty-front';
import { mean, median } from './stats';

export interface AuditConfig {
  /** Zoo member k is held out when k % holdOutEvery = holdOutEvery − 1 (5: every fifth, a fifth); 0: no audit (the paper's protocol). */
  holdOutEvery: number;
  /** Val images (the first ones) whose class probabilities place a model in function space. */
  probeImages: number;
  /** k-means cells of the data-copying test, fitted on the training zoo. */
  cells: number;
  /** σ of the front's noise-added copies of the training members (up to one that reaches chance). */
  frontSigmas: number[];
  /** Random pairs of training members interpolated with α ~ U(0, 1) for the front. */
  interpolations: number;
}

export const defaultAuditConfig: AuditConfig = {
  holdOutEvery: 5,
  probeImages: 500,
  cells: 4,
  frontSigmas: [0.001, 0.003, 0.01, 0.03, 0.1, 0.3],
  interpolations: 100,
};

/** A population as the audit sees it: parameter vectors, probe probabilities and test accuracies. */
export interface AuditPopulation {
  weights: VectorSet;
  /** [M, probeImages · C] class probabilities on the probe set. */
  probes: VectorSet;
  test: number[];
}

export interface AuditInput {
  training: AuditPopulation;
  heldOut: AuditPopulation;
  generated: AuditPopulation;
  /** The front's baselines by label (noise σ…, weight average, interpolation). */
  baselines: Record<string, AuditPopulation>;
  classes: number;
  cells: number;
  seed: number;
}

/** min / median / mean / max of nearest-neighbour distances to the training zoo. */
export interface DistanceSummary {
  min: number;
  median: number;
  mean: number;
  max: number;
}

export interface AuditResult {
  counts: { training: number; heldOut: number; generated: number };
  /** Nearest-neighbour distance to the training zoo, per population: weight space (unaligned) and function space. */
  nearest: { weight: Record<string, DistanceSummary>; function: Record<string, DistanceSummary> };
  /** C_T in each space. */
  copying: { weight: DataCopyingResult; function: DataCopyingResult };
  /** Test accuracy vs function-space novelty: the generated models against the front of the baselines (held-out models excluded). */
  front: NoveltyFrontResult;
  /** Each population's points (test accuracy, function-space novelty), for charts. */
  points: Record<string, FrontPoint[]>;
  /** What a reader must know: weight distances are not permutation-aligned. */
  notes: string[];
}

const summarize = (d: number[]): DistanceSummary =>
  ({ min: Math.min(...d), median: median(d), mean: mean(d), max: Math.max(...d) });

/** The audit of a run's populations; every statistic is relative to the held-out models. */
export function copyingAudit(input: AuditInput): AuditResult {
  const { training, heldOut, generated, baselines, classes, cells, seed } = input;
  const tv: Metric = { kind: 'tv', classes };
  const populations: Record<string, AuditPopulation> = { 'held-out': heldOut, generated, ...baselines };
  const nearest = { weight: {} as Record<string, DistanceSummary>, function: {} as Record<string, DistanceSummary> };
  const points: Record<string, FrontPoint[]> = {};
  for (const [label, p] of Object.entries(populations)) {
    nearest.weight[label] = summarize(nearestNeighbours(p.weights, training.weights).distance);
    const novelty = nearestNeighbours(p.probes, training.probes, { metric: tv }).distance;
    nearest.function[label] = summarize(novelty);
    points[label] = novelty.map((v, i) => ({ accuracy: p.test[i], novelty: v }));
  }
  const test = (train: VectorSet, held: VectorSet, gen: VectorSet, distance?: Metric) =>
    dataCopyingTest({ train, heldOut: held, generated: gen, cells, seed, distance });
  // Held-out models are the reference, not a cheap baseline: the front is drawn by the baselines alone.
  const frontBaselines = Object.fromEntries(Object.entries(points).filter(([label]) => label in baselines));
  return {
    counts: { training: training.weights.count, heldOut: heldOut.weights.count, generated: generated.weights.count },
    nearest,
    copying: {
      weight: test(training.weights, heldOut.weights, generated.weights),
      function: test(training.probes, heldOut.probes, generated.probes, tv),
    },
    front: noveltyFront({ generated: points.generated, baselines: frontBaselines }),
    points,
    notes: ['weight-space distances are between raw parameter vectors, not permutation-aligned (exact for a trajectory, an upper bound for independent runs)'],
  };
}
