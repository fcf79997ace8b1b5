/**
 * The data-copying test of Meehan, Chaudhuri & Dasgupta, "A Non-Parametric Test to Detect
 * Data-Copying in Generative Models" (AISTATS 2020, §3; reference code
 * github.com/casey-meehan/data-copying, data_copying_tests.py). Generated models copy when they
 * lie closer to the training zoo T than fresh models P_n of the same distribution do.
 */
import { pickRows } from '../params/rows';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { assertFinite } from '../util/finite';
import { nearestNeighbours, type Metric } from './distances';
import { kmeans } from './kmeans';
import { mannWhitney } from './mann-whitney';
import { normalCdf } from './normal-cdf';
import { median } from './stats';

export interface DataCopyingInput {
  /** T: the training zoo the generator was fitted to. */
  train: VectorSet;
  /** P_n: zoo members the generator never saw, from the same distribution. */
  heldOut: VectorSet;
  /** Q_m: the generated models. */
  generated: VectorSet;
  /** k: k-means cells fitted on T (Euclidean on the given vectors, also for `tv`). */
  cells: number;
  /** Seeds the k-means++ seeding. */
  seed: number;
  /** Distance to the nearest training point; default Euclidean. */
  distance?: Metric;
  /** τ: a cell counts where at least max(τ·m, 5) generated points fall; default 0.05. */
  minCellFraction?: number;
  /** Nearest training point among the cell's own ('cell', as the reference code does) or all ('all'); default 'cell'. */
  neighbours?: 'cell' | 'all';
}

export interface CopyingCell {
  cell: number;
  train: number;
  heldOut: number;
  generated: number;
  /** Z_U(π): Mann–Whitney z of generated vs held-out distances to T; < 0: generated closer (copying). */
  z: number | null;
  /** Median distance to the nearest training point, held-out and generated points of the cell. */
  heldOutMedian: number | null;
  generatedMedian: number | null;
  kept: boolean;
  dropped?: 'no training points' | 'no held-out points' | 'too few generated points';
}

export interface DataCopyingResult {
  /** C_T = Σ_{π∈Π_τ} P_n(π)·Z_U(π) / Σ_{π∈Π_τ} P_n(π); null when no cell is kept. ≪ 0: copying, ≫ 0: underfitting. */
  cT: number | null;
  /** Φ(C_T): the paper's reading of C_T as a z-score (conservative, see `combined`). */
  pValue: number | null;
  /** Null sd of C_T, √Σw²/Σw with w = P_n(π), and z = C_T/nullSd (a weighted Stouffer z), p = Φ(z). */
  combined: { nullSd: number | null; z: number | null; pValue: number | null };
  cells: CopyingCell[];
  keptCells: number;
  droppedCells: number;
  /** Smallest generated count a kept cell has. */
  minGenerated: number;
  settings: { cells: number; seed: number; distance: Metric['kind']; neighbours: 'cell' | 'all'; minCellFraction: number };
}

/** Cells below this many generated points are dropped whatever τ: U's normal approximation needs a few. */
const MIN_GENERATED_FLOOR = 5;

function validate(input: DataCopyingInput, tau: number): void {
  const { train, heldOut, generated, cells } = input;
  if (heldOut.dim !== train.dim || generated.dim !== train.dim) {
    throw new InputError(`dims differ: train ${train.dim}, held-out ${heldOut.dim}, generated ${generated.dim}`);
  }
  if (heldOut.count < 2) throw new InputError(`the data-copying test needs at least 2 held-out points, got ${heldOut.count}`);
  if (generated.count < 1) throw new InputError('the data-copying test needs generated points, got none');
  if (!(Number.isInteger(cells) && cells >= 1 && cells <= train.count)) {
    throw new InputError(`cells must be an integer in [1, ${train.count}] (the training points), got ${cells}`);
  }
  if (!(tau >= 0 && tau <= 1)) throw new InputError(`minCellFraction must lie in [0, 1], got ${tau}`);
  for (const [name, set] of [['train', train], ['held-out', heldOut], ['generated', generated]] as const) assertFinite(set.data, set.dim, name);
}

/** Row indices of `labels` per cell. */
function byCell(labels: readonly number[], k: number): number[][] {
  const groups = Array.from({ length: k }, (): number[] => []);
  labels.forEach((c, i) => groups[c].push(i));
  return groups;
}

/** Distances of each row of `set` to its nearest training point, per the `neighbours` mode. */
function distancesToTrain(input: DataCopyingInput, set: VectorSet, labels: number[], trainCells: number[][]): number[] {
  const { train, distance: metric, neighbours = 'cell' } = input;
  if (neighbours === 'all') return nearestNeighbours(set, train, { metric }).distance;
  const out = new Array<number>(set.count).fill(Number.NaN);
  byCell(labels, trainCells.length).forEach((rows, c) => {
    if (rows.length === 0 || trainCells[c].length === 0) return;
    nearestNeighbours(pickRows(set, rows), pickRows(train, trainCells[c]), { metric }).distance.forEach((d, i) => (out[rows[i]] = d));
  });
  return out;
}

/** The C_T test of Meehan et al. (§3.2); see DataCopyingResult for what each number means. */
export function dataCopyingTest(input: DataCopyingInput): DataCopyingResult {
  const { train, heldOut, generated, cells: k, seed, minCellFraction: tau = 0.05, neighbours = 'cell' } = input;
  validate(input, tau);
  const km = kmeans(train, k, { seed });
  const trainCells = byCell(km.labels, k);
  const heldOutLabels = km.assign(heldOut);
  const generatedLabels = km.assign(generated);
  const heldOutCells = byCell(heldOutLabels, k);
  const generatedCells = byCell(generatedLabels, k);
  const lp = distancesToTrain(input, heldOut, heldOutLabels, trainCells); // L(P_n)
  const lq = distancesToTrain(input, generated, generatedLabels, trainCells); // L(Q_m)
  const minGenerated = Math.max(Math.ceil(tau * generated.count), MIN_GENERATED_FLOOR);
  let [sumW, sumW2, sumWZ] = [0, 0, 0];
  const cells = trainCells.map((trainRows, c): CopyingCell => {
    const p = heldOutCells[c].map((i) => lp[i]);
    const q = generatedCells[c].map((i) => lq[i]);
    const cell: CopyingCell = {
      cell: c, train: trainRows.length, heldOut: p.length, generated: q.length, z: null,
      heldOutMedian: p.length && trainRows.length ? median(p) : null,
      generatedMedian: q.length && trainRows.length ? median(q) : null,
      kept: false,
    };
    if (trainRows.length === 0) cell.dropped = 'no training points';
    else if (p.length === 0) cell.dropped = 'no held-out points';
    else if (q.length < minGenerated) cell.dropped = 'too few generated points';
    if (p.length > 0 && q.length > 0 && trainRows.length > 0) cell.z = mannWhitney(q, p).z;
    if (cell.dropped || cell.z === null) return cell;
    const w = p.length / heldOut.count; // P_n(π)
    [sumW, sumW2, sumWZ] = [sumW + w, sumW2 + w * w, sumWZ + w * cell.z];
    return { ...cell, kept: true };
  });
  const keptCells = cells.filter((c) => c.kept).length;
  const cT = keptCells ? sumWZ / sumW : null;
  const nullSd = keptCells ? Math.sqrt(sumW2) / sumW : null;
  const z = cT !== null && nullSd !== null ? cT / nullSd : null;
  return {
    cT,
    pValue: cT === null ? null : normalCdf(cT),
    combined: { nullSd, z, pValue: z === null ? null : normalCdf(z) },
    cells,
    keptCells,
    droppedCells: k - keptCells,
    minGenerated,
    settings: { cells: k, seed, distance: input.distance?.kind ?? 'euclidean', neighbours, minCellFraction: tau },
  };
}
