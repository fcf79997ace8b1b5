/**
 * Accuracy vs novelty against the front cheap baselines draw (Zeng et al., CVPR 2026): a
 * generator only adds something where its models beat noise-added copies, weight averages and
 * interpolations of zoo members at the same novelty. Higher accuracy and higher novelty are better.
 */
import { InputError } from '../util/errors';

export interface FrontPoint {
  accuracy: number;
  /** Any "farther from the training zoo is larger" measure, e.g. the nearest-neighbour distance. */
  novelty: number;
}

export interface LabelledPoint extends FrontPoint {
  label: string;
}

export interface NoveltyFrontInput {
  generated: FrontPoint[];
  /**
   * Baseline populations by label, e.g. `noise σ=0.01`, `average`, `interpolation`, `held-out`.
   * Include a σ large enough to reach chance accuracy, or junk far from the zoo counts as novel.
   */
  baselines: Record<string, FrontPoint[]>;
}

export interface NoveltyFrontResult {
  /** Baseline points no other baseline point weakly dominates, by rising novelty (so falling accuracy). */
  front: LabelledPoint[];
  /** Generated points no baseline point weakly dominates (none has accuracy ≥ and novelty ≥ theirs). */
  beyondCount: number;
  beyondFraction: number;
  /**
   * Per generated point, accuracy − front(novelty): > 0 above the front. front(ν) interpolates linearly
   * between neighbouring front points, is the top accuracy below the front's least novelty, and is
   * undefined (gap null) past its greatest novelty, where no baseline reaches.
   */
  gaps: (number | null)[];
}

function checkPoints(points: readonly FrontPoint[], what: string): void {
  const bad = points.findIndex((p) => !Number.isFinite(p.accuracy) || !Number.isFinite(p.novelty));
  if (bad >= 0) throw new InputError(`${what}: point ${bad} is not finite (${JSON.stringify(points[bad])})`);
}

/** Upper-right Pareto front: sweep by falling novelty (ties: higher accuracy first), keep each new accuracy record. */
export function paretoFront(points: readonly LabelledPoint[]): LabelledPoint[] {
  const sorted = [...points].sort((a, b) => b.novelty - a.novelty || b.accuracy - a.accuracy);
  const front: LabelledPoint[] = [];
  for (const p of sorted) if (front.length === 0 || p.accuracy > front[front.length - 1].accuracy) front.push(p);
  return front.reverse();
}

/** The front's accuracy at novelty ν (see NoveltyFrontResult.gaps); null past its last point. */
export function frontAccuracyAt(front: readonly FrontPoint[], novelty: number): number | null {
  if (front.length === 0 || novelty > front[front.length - 1].novelty) return null;
  if (novelty <= front[0].novelty) return front[0].accuracy;
  const i = front.findIndex((p) => p.novelty >= novelty); // ≥ 1
  const [a, b] = [front[i - 1], front[i]];
  return a.accuracy + ((novelty - a.novelty) / (b.novelty - a.novelty)) * (b.accuracy - a.accuracy);
}

export function noveltyFront(input: NoveltyFrontInput): NoveltyFrontResult {
  const { generated, baselines } = input;
  checkPoints(generated, 'generated');
  const all: LabelledPoint[] = Object.entries(baselines).flatMap(([label, points]) => {
    checkPoints(points, label);
    return points.map((p) => ({ label, accuracy: p.accuracy, novelty: p.novelty }));
  });
  if (all.length === 0) throw new InputError('a novelty front needs at least one baseline point');
  const front = paretoFront(all);
  const beyond = generated.filter((g) => !front.some((f) => f.accuracy >= g.accuracy && f.novelty >= g.novelty));
  const gaps = generated.map((g) => {
    const at = frontAccuracyAt(front, g.novelty);
    return at === null ? null : g.accuracy - at;
  });
  return {
    front,
    beyondCount: beyond.length,
    beyondFraction: generated.length ? beyond.length / generated.length : 0,
    gaps,
  };
}
