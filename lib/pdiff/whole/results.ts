/** What a whole-network run reports (results.json), and its summaries. */
import type { AuditResult } from '../../eval/audit';
import { mean, median, std } from '../../eval/stats';
import type { WholeConfig } from './config';

/** Accuracies of a population of networks, in [0, 1]. */
export interface AccuracyStats {
  count: number;
  mean: number;
  median: number;
  std: number;
  min: number;
  max: number;
}

export function accuracyStats(values: readonly number[]): AccuracyStats {
  return { count: values.length, mean: mean(values), median: median(values), std: std(values), min: Math.min(...values), max: Math.max(...values) };
}

export interface WholeResults {
  experiment: 'whole';
  preset: string;
  seed: number;
  backend: string;
  dataset: string;
  config: WholeConfig;
  /** The architecture: its kind, parameters D and buffer values B (BN statistics, not generated). */
  model: { kind: string; parameters: number; buffers: number };
  /** Every member of the zoo, as measured right after its training (no fine-tuning anywhere). */
  zoo: { members: number; training: number; heldOut: number; test: AccuracyStats; val: AccuracyStats; perMember: { test: number[]; val: number[] } };
  /**
   * The generated networks kept (`config.acceptance`), without fine-tuning, BN statistics as
   * `config.bnRecalibration` says; the candidates drawn, how many reached the validation floor, the floor.
   */
  generated: { test: AccuracyStats; val: AccuracyStats; perNetwork: { test: number[]; val: number[] }; candidates: number; passed: number; floor: number | null };
  /** Generated − zoo test accuracy, in [0, 1] units (×100: points). */
  gap: { mean: number; median: number };
  /** Weight matching of the zoo to its reference: the members' mean L2 distance to it, before and after. */
  alignment: { referenceIndex: number; distanceBefore: number; distanceAfter: number };
  generator: {
    kind: string;
    losses: Record<string, { step: number; loss: number }[]>;
    /** latent-ddpm only. */
    reconstructionMse: number | null;
  };
  /** Null when no member is held out (audit.holdOutEvery = 0). */
  audit: AuditResult | null;
  /** Wall seconds of each stage (a stage reloaded from its saved state counts its reload; generate: drawing, BN statistics and measuring the candidates). */
  timings: { zoo: number; align: number; generator: number; generate: number; evaluate: number; audit: number; total: number };
}
