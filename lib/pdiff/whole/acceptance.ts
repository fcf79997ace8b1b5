/**
 * Which generated networks a run keeps. 'all': every sample. 'zoo-val-floor': a rejection step on
 * validation data (a departure from DeepWeightFlow, which keeps every sample): candidates are drawn
 * in batches and kept when their validation accuracy reaches the lowest of the generator's training
 * members, until `count` are kept or MAX_CANDIDATES_FACTOR × `count` are drawn; if fewer passed
 * by then, the best of the others by validation accuracy make up the count (the results say how
 * many passed). The floor is the zoo's own worst member, not a tuned knob; test data plays no part.
 */
import { concatRows, pickRows } from '../../params/rows';
import type { VectorSet } from '../../params/types';
import type { NetworkMeasures, Networks } from './evaluate';

export type WholeAcceptance = 'all' | 'zoo-val-floor';
export const WHOLE_ACCEPTANCES: readonly WholeAcceptance[] = ['all', 'zoo-val-floor'];

/** 'zoo-val-floor': the most candidates drawn, as a multiple of the networks wanted. */
export const MAX_CANDIDATES_FACTOR = 4;

/** Batch k of candidates is drawn from this seed; batch 0's is the run's sampling seed, so its candidates are the ones 'all' keeps. */
export const batchSeed = (samplingSeed: number, batch: number) => samplingSeed + 1000 * batch;

export interface AcceptedNetworks {
  networks: Networks;
  measures: NetworkMeasures;
  /** Candidates drawn and measured; how many of them reached the validation floor (all of them under 'all'), and the floor (null: 'all'). */
  candidates: number;
  passed: number;
  floor: number | null;
}

export interface AcceptanceSteps {
  /** `count` candidates' parameters drawn from `seed`. */
  generate(count: number, seed: number): VectorSet;
  /** Their BN statistics (recalibrated or the zoo's), ready to measure. */
  place(params: VectorSet): Networks;
  measure(networks: Networks): NetworkMeasures;
}

/** `count` generated networks kept by `acceptance`, with their measures; `trainingVal`: the generator's training members' validation accuracies. */
export function generateAccepted(
  steps: AcceptanceSteps, acceptance: WholeAcceptance, count: number, samplingSeed: number, trainingVal: readonly number[],
): AcceptedNetworks {
  const floor = acceptance === 'all' ? null : Math.min(...trainingVal);
  const batches: { networks: Networks; measures: NetworkMeasures }[] = [];
  const passing: number[] = []; // indices into the candidates, in the order drawn
  while (passing.length < count && batches.length * count < (floor === null ? 1 : MAX_CANDIDATES_FACTOR) * count) {
    const networks = steps.place(steps.generate(count, batchSeed(samplingSeed, batches.length)));
    const measures = steps.measure(networks);
    const offset = batches.length * count;
    measures.val.forEach((v, i) => { if (floor === null || v >= floor) passing.push(offset + i); });
    batches.push({ networks, measures });
  }
  const vals = batches.flatMap((b) => b.measures.val);
  const rest = vals.map((_, i) => i).filter((i) => !passing.includes(i)).sort((a, b) => vals[b] - vals[a] || a - b);
  const kept = [...passing, ...rest].slice(0, count);
  const stacked = (of: (b: (typeof batches)[number]) => VectorSet) => pickRows(concatRows(batches.map(of)), kept);
  const listed = (of: (b: (typeof batches)[number]) => number[]) => { const all = batches.flatMap(of); return kept.map((i) => all[i]); };
  return {
    networks: { params: stacked((b) => b.networks.params), buffers: batches[0].networks.buffers && stacked((b) => b.networks.buffers!) },
    measures: { val: listed((b) => b.measures.val), test: listed((b) => b.measures.test), probes: stacked((b) => b.measures.probes) },
    candidates: batches.length * count,
    passed: passing.length,
    floor,
  };
}
