/**
 * Whole parameter vectors ↔ the fixed-length rows a WeightVae encodes. Vector r becomes rows
 * r·P … r·P + P − 1 (P rows per vector), in one of these modes:
 *   'row'   (D2NWG's class rows): a linear layer's `weight` [in, out] (lib/models/layers `linear`:
 *           y = x·W + b, so class k's weights are column k) and `bias` [out] become `out` rows
 *           [W[0, k], …, W[in − 1, k], b_k] of in + 1 numbers; a head 64→5 gives 5 rows of 65;
 *   'model' | 'layer' | 'chunk': the pieces of lib/params `planVectorize` (zero-padded to one length).
 * With tag 'onehot', each row ends with the one-hot of its piece index (P numbers), so one VAE
 * tells the pieces of a model apart. Every mode is a pure copy: fromRows(toRows(v)) is bit-exact.
 */
import { devectorizeSet, planVectorize, vectorizeSet, type VectorizeConfig, type VectorizeMode, type VectorizePlan } from '../params/vectorize';
import type { ParamManifest, VectorSet } from '../params/types';
import { InputError } from '../util/errors';

export type VaeInputMode = VectorizeMode | 'row';
export type VaePieceTag = 'onehot' | 'none';

export interface VaeInputConfig {
  /** How a vector is cut into rows (see the file comment). Default 'row'. */
  mode: VaeInputMode;
  /** model / layer / chunk: lib/params vectorize options (length, multiple, chunkSize). Default {}: its defaults. */
  vectorize: Partial<Omit<VectorizeConfig, 'mode'>>;
  /**
   * 'onehot' appends each row's piece index as a one-hot; 'none' appends nothing. Default 'none':
   * the class rows of a head are generated class-permutation-equivariantly, so they carry no index.
   */
  tag: VaePieceTag;
}

export const defaultVaeInputConfig: VaeInputConfig = { mode: 'row', vectorize: {}, tag: 'none' };

/** Where a linear layer's weight [in, out] and bias [out] lie in the vector (row mode). */
export interface LinearLayout {
  weightOffset: number;
  biasOffset: number;
  inFeatures: number;
  outFeatures: number;
}

/** Everything `fromRows` needs, plain JSON (store it with the VAE). */
export interface VaeInputPlan {
  mode: VaeInputMode;
  /** Length of a whole vector. */
  size: number;
  /** Rows per vector (P). */
  rowsPerVector: number;
  /** Values per row before the tag. */
  pieceLength: number;
  tag: VaePieceTag;
  /** pieceLength, plus P with a one-hot tag: the VAE's input dim. */
  rowDim: number;
  /** model / layer / chunk: how lib/params cuts the vector; null in row mode. */
  vectorize: VectorizePlan | null;
  /** row mode: the linear layer; null otherwise. */
  linear: LinearLayout | null;
}

export class VaeInput {
  constructor(readonly plan: VaeInputPlan) {
    checkPlan(plan);
  }

  /** The plan for vectors laid out by `manifest`. */
  static fromManifest(manifest: ParamManifest, config: Partial<VaeInputConfig> = {}): VaeInput {
    const { mode, vectorize, tag } = { ...defaultVaeInputConfig, ...config };
    if (tag !== 'onehot' && tag !== 'none') throw new InputError(`VAE input tag must be 'onehot' or 'none', got "${String(tag)}"`);
    const base = { mode, size: manifest.size, tag };
    if (mode === 'row') {
      const linear = linearLayout(manifest);
      const rows = linear.outFeatures;
      return new VaeInput({ ...base, rowsPerVector: rows, pieceLength: linear.inFeatures + 1, rowDim: rowDim(linear.inFeatures + 1, rows, tag), vectorize: null, linear });
    }
    const plan = planVectorize(manifest, { ...vectorize, mode });
    const rows = plan.pieceSizes.length;
    return new VaeInput({ ...base, rowsPerVector: rows, pieceLength: plan.pieceLength, rowDim: rowDim(plan.pieceLength, rows, tag), vectorize: plan, linear: null });
  }

  get rowDim(): number {
    return this.plan.rowDim;
  }

  get rowsPerVector(): number {
    return this.plan.rowsPerVector;
  }

  /** Vectors [count, size] → rows [count·P, rowDim]. */
  toRows(set: VectorSet): VectorSet {
    const { size, rowsPerVector: p, pieceLength, rowDim: dim, linear, vectorize } = this.plan;
    checkSet(set, size, 'vectors');
    const pieces = linear ? linearRows(set, linear) : vectorizeSet(set, vectorize!).set; // [count·P, pieceLength]
    if (dim === pieceLength) return pieces;
    const out = new Float32Array(pieces.count * dim);
    for (let row = 0; row < pieces.count; row++) {
      out.set(pieces.data.subarray(row * pieceLength, (row + 1) * pieceLength), row * dim);
      out[row * dim + pieceLength + (row % p)] = 1;
    }
    return { count: pieces.count, dim, data: out };
  }

  /** Rows [count·P, rowDim] → vectors [count, size]; tags and padding are ignored. */
  fromRows(rows: VectorSet): VectorSet {
    const { size, rowsPerVector: p, pieceLength, rowDim: dim, linear, vectorize } = this.plan;
    checkSet(rows, dim, 'rows');
    if (rows.count % p !== 0) throw new InputError(`${rows.count} rows is not a multiple of ${p} rows per vector`);
    let pieces = rows;
    if (dim !== pieceLength) {
      const data = new Float32Array(rows.count * pieceLength);
      for (let row = 0; row < rows.count; row++) data.set(rows.data.subarray(row * dim, row * dim + pieceLength), row * pieceLength);
      pieces = { count: rows.count, dim: pieceLength, data };
    }
    return linear ? linearVectors(pieces, linear, size) : devectorizeSet(pieces, vectorize!);
  }
}

/** The weight [in, out] and bias [out] of the manifest's one linear layer, or an InputError saying why not. */
function linearLayout(manifest: ParamManifest): LinearLayout {
  const names = manifest.entries.map((e) => e.name);
  const weight = manifest.entries.find((e) => e.name.endsWith('/weight'));
  const bias = manifest.entries.find((e) => e.name.endsWith('/bias'));
  if (manifest.entries.length !== 2 || !weight || !bias || weight.name.slice(0, -'weight'.length) !== bias.name.slice(0, -'bias'.length)) {
    throw new InputError(`VAE row mode needs exactly one linear layer's <name>/weight and <name>/bias, got [${names.join(', ')}]`);
  }
  if (weight.shape.length !== 2 || bias.shape.length !== 1 || bias.shape[0] !== weight.shape[1]) {
    throw new InputError(`VAE row mode needs weight [in, out] and bias [out], got ${weight.name} [${weight.shape}] and ${bias.name} [${bias.shape}]`);
  }
  return { weightOffset: weight.offset, biasOffset: bias.offset, inFeatures: weight.shape[0], outFeatures: weight.shape[1] };
}

/** Row r·out + k = [W[:, k], b_k] of vector r. */
function linearRows(set: VectorSet, { weightOffset, biasOffset, inFeatures, outFeatures }: LinearLayout): VectorSet {
  const dim = inFeatures + 1;
  const data = new Float32Array(set.count * outFeatures * dim);
  for (let r = 0; r < set.count; r++) {
    const v = r * set.dim;
    for (let k = 0; k < outFeatures; k++) {
      const row = (r * outFeatures + k) * dim;
      for (let i = 0; i < inFeatures; i++) data[row + i] = set.data[v + weightOffset + i * outFeatures + k];
      data[row + inFeatures] = set.data[v + biasOffset + k];
    }
  }
  return { count: set.count * outFeatures, dim, data };
}

/** Inverse of linearRows. */
function linearVectors(rows: VectorSet, { weightOffset, biasOffset, inFeatures, outFeatures }: LinearLayout, size: number): VectorSet {
  const count = rows.count / outFeatures;
  const data = new Float32Array(count * size);
  for (let r = 0; r < count; r++) {
    const v = r * size;
    for (let k = 0; k < outFeatures; k++) {
      const row = (r * outFeatures + k) * rows.dim;
      for (let i = 0; i < inFeatures; i++) data[v + weightOffset + i * outFeatures + k] = rows.data[row + i];
      data[v + biasOffset + k] = rows.data[row + inFeatures];
    }
  }
  return { count, dim: size, data };
}

function rowDim(pieceLength: number, rows: number, tag: VaePieceTag): number {
  return pieceLength + (tag === 'onehot' ? rows : 0);
}

function checkSet(set: VectorSet, dim: number, what: string): void {
  if (set.dim !== dim) throw new InputError(`VAE input ${what} have ${set.dim} values each, the plan expects ${dim}`);
  if (set.data.length !== set.count * set.dim) throw new InputError(`VAE input ${what} claim [${set.count}, ${set.dim}] but hold ${set.data.length} values`);
}

/** Rejects a plan (e.g. one read back from JSON) that does not describe a consistent cut. */
function checkPlan(plan: VaeInputPlan): void {
  const bad = (problem: string) => new InputError(`invalid VAE input plan: ${problem}`);
  if (plan.rowDim !== rowDim(plan.pieceLength, plan.rowsPerVector, plan.tag)) throw bad(`rowDim ${plan.rowDim} does not fit pieceLength ${plan.pieceLength}, ${plan.rowsPerVector} rows and tag ${plan.tag}`);
  const { linear, vectorize } = plan;
  if (plan.mode === 'row') {
    if (!linear || vectorize) throw bad('row mode needs a linear layout and no vectorize plan');
    const { weightOffset, biasOffset, inFeatures: n, outFeatures: m } = linear;
    const fits = weightOffset + n * m <= plan.size && biasOffset + m <= plan.size && (biasOffset >= weightOffset + n * m || biasOffset + m <= weightOffset);
    if (!fits || m !== plan.rowsPerVector || n + 1 !== plan.pieceLength) throw bad(`linear layout ${JSON.stringify(linear)} does not fit a vector of ${plan.size}`);
    return;
  }
  if (!vectorize || linear || vectorize.mode !== plan.mode) throw bad(`${plan.mode} mode needs a ${plan.mode} vectorize plan and no linear layout`);
  if (vectorize.size !== plan.size || vectorize.pieceLength !== plan.pieceLength || vectorize.pieceSizes.length !== plan.rowsPerVector) {
    throw bad('the vectorize plan does not match size, pieceLength and rowsPerVector');
  }
}
