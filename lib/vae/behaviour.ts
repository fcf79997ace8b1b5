/**
 * A behavioural term for the VAE over a linear layer's class rows (issue 20, item 5). Row (w, b) is
 * its class's logit function x ↦ w·x + b, so its reconstruction (ŵ, b̂) should give the same logits
 * on real feature vectors x of a fixed query set Q:
 *   term = mean over rows and x ∈ Q of ((ŵ − w)·x + (b̂ − b))² / S
 * in the rows' original (de-normalised) units, where S is the same mean for the mean training row
 * in place of every reconstruction: the spread of the training rows' logits on Q,
 *   S = mean over x ∈ Q of Var over training rows of (w·x + b).
 * Why S: the VAE's parameter MSE is in per-feature standardised units, so it is 1 for a model that
 * outputs the mean row and 0 for a perfect one; divided by S, the behavioural term is 1 and 0 for
 * the same two (logits are linear in the row, so the mean row gives each x the mean logit), and a
 * weight of 1 gives the two terms equal say. Raw squared logits would instead scale with the
 * features' magnitude, and their ratio to the MSE with it.
 *
 * The linear case of p-diff's behavioural loss (lib/autoencoder/behaviour.ts): a row's logits on
 * Q are one matmul, so the term needs no model, and it is the squared logit error, not a KL, since
 * a row is one class's logit, not a distribution. Every row is scored on the same Q (drawn from
 * all the training tasks), not only on its own task's images.
 */
import * as tf from '@tensorflow/tfjs';
import { checkTermInput, type BehaviourTerm } from '../autoencoder/behaviour';
import { checkVectorSet } from '../autoencoder/batches';
import { normalize, perPositionStats, type NormStats } from '../params/normalize';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';

export interface VaeBehaviourConfig {
  /** Multiplies the term added to the VAE's loss; 0 trains exactly as without it. */
  weight: number;
  /** Query feature vectors: the first this many of the set the trainer is given (D2NWG draws exactly this many from its training tasks). */
  queries: number;
}

/** What the `behaviour` lever switches on: 256 queries (about 9 per quick training task), weight 1 (equal say, see S above; not tuned). */
export const defaultVaeBehaviourConfig: VaeBehaviourConfig = { weight: 1, queries: 256 };

/** The weight the trainer adds the term with, after checking the config: 0 for none (null or weight 0). */
export function vaeBehaviourWeight(config: VaeBehaviourConfig | null): number {
  if (config === null) return 0;
  const { weight, queries } = config;
  if (!(Number.isFinite(weight) && weight >= 0)) throw new InputError(`vaeTrain.behaviour.weight must be a finite number ≥ 0, got ${weight}`);
  if (!(Number.isInteger(queries) && queries >= 1)) throw new InputError(`vaeTrain.behaviour.queries must be a positive integer, got ${queries}`);
  return weight;
}

/** What the term compares the reconstructions with. */
export interface RowBehaviourTarget {
  /** The training rows [N, F + 1] in raw units, [w, b] each, in the order the trainer sees them. */
  originals: VectorSet;
  /** The normalisation the VAE's rows are in. */
  norm: NormStats;
  /** Feature vectors [≥ config.queries, F]; the first config.queries are the query set. */
  queries: VectorSet;
}

/** The queries the term uses: the first `config.queries` of `queries`, checked against rows of `rowDim`. */
export function queryRows(config: VaeBehaviourConfig, queries: VectorSet, rowDim: number): VectorSet {
  const features = rowDim - 1;
  if (queries.dim !== features) {
    throw new InputError(`vaeTrain.behaviour: rows of ${rowDim} numbers are [w, b] over ${features} features, but the query vectors have ${queries.dim}`);
  }
  if (queries.count < config.queries) throw new InputError(`vaeTrain.behaviour.queries is ${config.queries}, but ${queries.count} query vectors were given`);
  const used = { count: config.queries, dim: features, data: queries.data.subarray(0, config.queries * features) };
  checkVectorSet(used, features, 'behavioural query vectors');
  return used;
}

/** The term over `target.originals`; reconstructions go in normalised, as the VAE decodes them. */
export function rowBehaviourTerm(config: VaeBehaviourConfig, target: RowBehaviourTarget): BehaviourTerm {
  vaeBehaviourWeight(config);
  const { originals, norm } = target;
  const queries = queryRows(config, target.queries, originals.dim);
  const { std } = perPositionStats(norm, originals.dim);
  const { rows, probe, spread } = tf.tidy(() => {
    const x = tf.concat([tf.tensor2d(queries.data, [queries.count, queries.dim]), tf.ones([queries.count, 1])], 1); // [Q, F + 1]: the bias's input is 1
    // A normalised row difference e gives raw logit differences (e ⊙ std)·[x, 1] = e·probe.
    const probe = x.mul(tf.tensor1d(Float32Array.from(std))).transpose<tf.Tensor2D>(); // [F + 1, Q]
    const rows = tf.tensor2d(normalize(originals, norm).data, [originals.count, originals.dim]); // [N, F + 1]
    const spread = rows.sub(rows.mean(0)).matMul(probe).square().mean(); // S, in raw logit units²
    return { rows, probe, spread };
  });
  const s = spread.dataSync()[0];
  spread.dispose();
  if (!(Number.isFinite(s) && s > 0)) {
    tf.dispose([rows, probe]);
    throw new InputError(`vaeTrain.behaviour: the training rows' logits do not vary over the query set (spread ${s}), so the term has no scale`);
  }
  return {
    rows: originals.count,
    loss(decoded, batch) {
      checkTermInput(decoded, batch, originals);
      return tf.tidy(() => {
        const target = batch ? tf.gather(rows, batch) : rows; // [M, F + 1]
        return decoded.sub(target).matMul(probe).square().mean().mul(1 / s) as tf.Scalar; // logit errors [M, Q], squared, over S
      });
    },
    dispose: () => tf.dispose([rows, probe]),
  };
}
