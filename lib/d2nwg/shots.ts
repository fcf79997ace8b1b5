/**
 * What a held-out task's k shots give without any generator: the shots as a labelled set, the
 * prototype head (prototypical networks' class means as a linear head), the choice among heads by
 * their fit to the shots, and the random condition of the controls. Nothing here sees a val or
 * test split.
 */
import type { Condition } from '../conditioning';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import type { Rng } from '../util/rng';
import { classMeans } from './conditions';
import { headsAccuracy, headsCrossEntropy, type FeatureSet } from './heads';

/** The shots of a one-task condition [1, C, S, F] as a labelled set: shot s of class k is row k·S + s, label k. */
export function shotSet(condition: Condition): FeatureSet {
  if (condition.tasks !== 1) throw new InputError(`a shot set is one task's condition, got ${condition.tasks} tasks`);
  const { classes, shots, features, data } = condition;
  return { count: classes * shots, dim: features, data, labels: Int32Array.from({ length: classes * shots }, (_, i) => Math.floor(i / shots)), numClasses: classes };
}

/**
 * The prototype head of a one-task condition: μ_k the mean of class k's shots, logit_k(x) = μ_k·x − ½‖μ_k‖²
 * (Snell et al. 2017: the squared-distance classifier as a linear layer), flattened as fc/weight
 * [F, C] then fc/bias [C].
 */
export function prototypeHead(condition: Condition): Float32Array {
  if (condition.tasks !== 1) throw new InputError(`a prototype head is one task's, got a condition of ${condition.tasks} tasks`);
  const { classes: C, features: F } = condition;
  const mu = classMeans(condition).data; // [C, F]
  const head = new Float32Array(F * C + C);
  for (let k = 0; k < C; k++) {
    let norm = 0;
    for (let f = 0; f < F; f++) {
      head[f * C + k] = mu[k * F + f];
      norm += mu[k * F + f] ** 2;
    }
    head[F * C + k] = -0.5 * norm;
  }
  return head;
}

/**
 * The head (row of `heads`) that fits the shots best: the highest accuracy on them, ties broken
 * by the lower mean cross-entropy, then by the lower index. The shots are the only labels it reads.
 */
export function selectByShots(heads: VectorSet, shots: FeatureSet): number {
  const accuracy = headsAccuracy(heads, shots);
  const loss = headsCrossEntropy(heads, shots);
  let best = 0;
  for (let i = 1; i < heads.count; i++) {
    if (accuracy[i] > accuracy[best] || (accuracy[i] === accuracy[best] && loss[i] < loss[best])) best = i;
  }
  return best;
}

/**
 * A random condition [1, C, S, F] shaped like a real one: feature f of every shot is feature f of
 * a random row of `pool` (each feature's marginal kept, every class structure gone).
 */
export function randomCondition(pool: VectorSet, classes: number, shots: number, rng: Rng): Condition {
  const { count, dim: F } = pool;
  const data = new Float32Array(classes * shots * F);
  for (let i = 0; i < classes * shots; i++) {
    for (let f = 0; f < F; f++) data[i * F + f] = pool.data[rng.int(count) * F + f];
  }
  return { tasks: 1, classes, shots, features: F, data };
}
