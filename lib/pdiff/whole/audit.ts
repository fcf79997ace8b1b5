/**
 * The copying audit of a whole-network run (lib/eval/audit.ts), with weight-space distances
 * between networks aligned to the zoo's reference (weight matching; the p-diff audit compares raw
 * vectors). Populations: the training members, the held-out fifth, the generated networks, and
 * the front's cheap baselines built from the aligned training members — noise-added copies over
 * the σ grid, their weight average, interpolations of random pairs; in the reference's frame by
 * construction, and the strongest such tricks (interpolating unaligned pairs breaks networks),
 * whether or not the generator learnt from aligned rows — each with BN statistics as the generated
 * networks get theirs.
 */
import { copyingAudit, type AuditPopulation, type AuditResult } from '../../eval/audit';
import { addGaussianNoise, interpolatePairs, weightAverage } from '../../eval/baselines';
import type { VectorSet } from '../../params/types';
import { Rng } from '../../util/rng';
import { wholeSeeds, type WholeConfig } from './config';

/** Places synthetic networks (raw parameters, in the reference's frame): their BN statistics, accuracies, probes. */
export type PlaceNetworks = (params: VectorSet) => AuditPopulation;

export function auditWhole(
  config: WholeConfig, classes: number, populations: { training: AuditPopulation; heldOut: AuditPopulation; generated: AuditPopulation },
  alignedTraining: VectorSet, place: PlaceNetworks,
): AuditResult {
  const { audit } = config;
  const rng = new Rng(wholeSeeds(config.seed).audit);
  const baselines: Record<string, AuditPopulation> = {};
  for (const sigma of audit.frontSigmas) {
    baselines[`noise σ=${sigma}`] = place(addGaussianNoise(alignedTraining, sigma, rng.int(2 ** 31)));
  }
  baselines['weight average'] = place(weightAverage(alignedTraining));
  baselines.interpolation = place(interpolatePairs(alignedTraining, audit.interpolations, rng.int(2 ** 31)));
  const result = copyingAudit({
    ...populations, baselines, classes, cells: Math.min(audit.cells, populations.training.weights.count), seed: rng.int(2 ** 31),
  });
  const frame = config.align === 'merge-many' ? 'the training members\' MergeMany frame (training members merged, others matched to their mean)' : 'the zoo\'s reference member';
  const learnt = config.align === 'none' ? 'unaligned' : 'aligned';
  return {
    ...result,
    notes: [
      `weight-space distances are between networks weight-matched to ${frame} (the generator learnt from ${learnt} rows); function-space distances need no alignment`,
      'the baselines are built from the aligned training members, whatever the generator learnt from',
    ],
  };
}
