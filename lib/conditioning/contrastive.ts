/**
 * CLIP-style contrastive objective (Radford et al. 2021) between condition vectors and frozen
 * VAE latents: both sides go through a bias-free linear projection to P dims and are L2-normalised;
 * logits = cos(a_i, b_j) / τ over a batch of N pairs; the loss is the mean of the cross-entropies
 * of rows (condition → latent) and of columns (latent → condition), the diagonal being the targets.
 */
import * as tf from '@tensorflow/tfjs';
import { named, ParamBuilder } from '../models/layers';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import type { AlignConfig } from './config';
import { buildLinear, linear } from './layers';

/** CLIP clips the learned logit scale 1/τ at 100. */
export const MAX_LOGIT_SCALE = 100;

/** F.normalize's eps: a zero row stays zero rather than becoming NaN. */
const NORM_EPS = 1e-12;

/** Rows scaled to unit L2 norm: x [N, P] → [N, P]. */
function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => x.div(x.square().sum(1, true).sqrt().maximum(NORM_EPS)));
}

/** cos(a_i, b_j): a [N, P], b [M, P] → [N, M]. */
export function cosineSimilarity(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[1]) throw new InputError(`cosine similarity needs [N, P] and [M, P], got [${a.shape}] and [${b.shape}]`);
  return tf.tidy(() => tf.matMul(normalizeRows(a), normalizeRows(b).transpose())); // [N, M]
}

/** The symmetric CLIP loss of N pairs (a_i, b_i): a, b [N, P], `logitScale` = 1/τ (a scalar tensor to learn it). */
export function clipLoss(a: tf.Tensor2D, b: tf.Tensor2D, logitScale: tf.Scalar | number): tf.Scalar {
  if (a.rank !== 2 || a.shape[0] !== b.shape[0]) throw new InputError(`clipLoss needs two [N, P] batches of equal N, got [${a.shape}] and [${b.shape}]`);
  return tf.tidy(() => {
    const logits = cosineSimilarity(a, b).mul(logitScale); // [N, N]
    const eye = tf.eye(a.shape[0]); // [N, N]: the targets
    const rows = tf.logSoftmax(logits).mul(eye).sum(1).mean(); // mean_i log p(b_i | a_i)
    const cols = tf.logSoftmax(logits.transpose()).mul(eye).sum(1).mean(); // mean_i log p(a_i | b_i)
    return rows.add(cols).mul(-0.5) as tf.Scalar;
  });
}

/** Fraction of rows i whose most similar b_j (cosine) is b_i: a, b [N, P]; chance is 1/N. One read-back. */
export function diagonalAccuracy(a: tf.Tensor2D, b: tf.Tensor2D): number {
  const hits = tf.tidy(() => {
    const best = cosineSimilarity(a, b).argMax(1); // [N]
    return best.equal(tf.range(0, a.shape[0], 1, 'int32')).sum().dataSync()[0];
  });
  return hits / a.shape[0];
}

/** The two projection heads and the temperature of an alignment run. */
export class AlignmentHeads {
  readonly params: Map<string, tf.Variable>;
  private readonly fixedScale: number | null;

  /** `conditionSize` 2H and `latentSize` Dz in, `config.projection` P out; seeded. */
  constructor(readonly conditionSize: number, readonly latentSize: number, config: Pick<AlignConfig, 'projection' | 'temperature' | 'temperatureMode'>, seed: number) {
    const b = new ParamBuilder(new Rng(seed));
    // Bias-free, as CLIP's projections: a shared shift of all rows carries no pairing information.
    buildLinear(b, 'align/condition', conditionSize, config.projection, false); // [2H, P]
    buildLinear(b, 'align/latent', latentSize, config.projection, false); // [Dz, P]
    const logScale = Math.log(1 / config.temperature);
    if (config.temperatureMode === 'learned') b.constant('align/log_scale', [], logScale, 'param');
    this.fixedScale = config.temperatureMode === 'learned' ? null : 1 / config.temperature;
    this.params = b.params;
  }

  /** Condition rows [N, 2H] → [N, P]. */
  projectConditions(x: tf.Tensor2D): tf.Tensor2D {
    return linear(this.params, 'align/condition', x) as tf.Tensor2D;
  }

  /** Latent rows [N, Dz] → [N, P]. */
  projectLatents(z: tf.Tensor2D): tf.Tensor2D {
    return linear(this.params, 'align/latent', z) as tf.Tensor2D;
  }

  /** 1/τ: exp of the learned log-scale, clipped at MAX_LOGIT_SCALE (no gradient beyond it), or the fixed value. */
  logitScale(): tf.Scalar | number {
    if (this.fixedScale !== null) return this.fixedScale;
    return tf.tidy(() => named(this.params, 'align/log_scale').exp().minimum(MAX_LOGIT_SCALE) as tf.Scalar);
  }

  /** τ now (one read-back when learned). */
  temperature(): number {
    const scale = this.logitScale();
    if (typeof scale === 'number') return 1 / scale;
    const value = scale.dataSync()[0];
    scale.dispose();
    return 1 / value;
  }

  dispose(): void {
    tf.dispose([...this.params.values()]);
  }
}
