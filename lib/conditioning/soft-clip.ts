/**
 * The contrastive loss of the official D2NWG code (sorobedio/DNNWG: clips/models/myclip.py, after
 * the OpenAI-CLIP tutorial), next to CLIP's (./contrastive.ts): raw dot products of the two
 * projections, no L2 normalisation; logits = a·bᵀ / τ; soft targets T = softmax_rows((a·aᵀ + b·bᵀ)/2 · τ)
 * instead of the identity; loss = mean_i ½(CE(logits_i, T_i) + CE((logitsᵀ)_i, (Tᵀ)_i)), with
 * CE(l, t) = −Σ_j t_j log softmax(l)_j. As in that code, Tᵀ's rows are not renormalised. Its τ is 1.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';

/** The official D2NWG contrastive loss of N pairs: a, b [N, P], `logitScale` = 1/τ. */
export function softClipLoss(a: tf.Tensor2D, b: tf.Tensor2D, logitScale: tf.Scalar | number): tf.Scalar {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new InputError(`softClipLoss needs two [N, P] batches of equal shape, got [${a.shape}] and [${b.shape}]`);
  }
  return tf.tidy(() => {
    const logits = tf.matMul(a, b, false, true).mul<tf.Tensor2D>(logitScale); // [N, N]
    const similarity = tf.matMul(a, a, false, true).add(tf.matMul(b, b, false, true)).div(2); // [N, N]
    const targets = tf.softmax(similarity.div<tf.Tensor2D>(logitScale)); // [N, N], rows sum to 1
    const crossEntropy = (l: tf.Tensor2D, t: tf.Tensor2D) => t.mul(tf.logSoftmax(l)).sum(1).neg(); // [N]
    return crossEntropy(logits, targets).add(crossEntropy(logits.transpose<tf.Tensor2D>(), targets.transpose<tf.Tensor2D>())).div(2).mean() as tf.Scalar;
  });
}
