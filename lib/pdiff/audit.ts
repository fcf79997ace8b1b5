/**
 * The copying audit of a p-diff run (lib/eval/audit.ts): the held-out zoo members, the generated
 * models and the cheap baselines built from the training members — noise-added copies over the
 * config's σ grid, their weight average, and interpolations of random pairs — each placed in
 * weight space, in function space (probe probabilities) and by test accuracy.
 */
import { copyingAudit, type AuditPopulation, type AuditResult } from '../eval/audit';
import { addGaussianNoise, interpolatePairs, weightAverage } from '../eval/baselines';
import type { PopulationEvaluator } from '../eval/population-evaluator';
import type { VectorSet } from '../params/types';
import { Rng } from '../util/rng';
import { pdiffSeeds, type PdiffConfig } from './config';

/** Parameter vectors with the test accuracies already measured for them. */
export interface MeasuredVectors {
  weights: VectorSet;
  test: number[];
}

export function auditRun(
  config: PdiffConfig, evaluator: PopulationEvaluator, classes: number,
  measured: { training: MeasuredVectors; heldOut: MeasuredVectors; generated: MeasuredVectors },
): AuditResult {
  const { audit } = config;
  const rng = new Rng(pdiffSeeds(config.seed).audit);
  const place = ({ weights, test }: MeasuredVectors): AuditPopulation => ({ weights, test, probes: evaluator.probes(weights, audit.probeImages) });
  const measure = (weights: VectorSet) => place({ weights, test: evaluator.measure(weights).population.test });
  const training = measured.training.weights;
  const baselines: Record<string, AuditPopulation> = {};
  for (const sigma of audit.frontSigmas) baselines[`noise σ=${sigma}`] = measure(addGaussianNoise(training, sigma, rng.int(2 ** 31)));
  baselines['weight average'] = measure(weightAverage(training));
  baselines.interpolation = measure(interpolatePairs(training, audit.interpolations, rng.int(2 ** 31)));
  return copyingAudit({
    training: place(measured.training), heldOut: place(measured.heldOut), generated: place(measured.generated),
    baselines, classes, cells: Math.min(audit.cells, training.count), seed: rng.int(2 ** 31),
  });
}
