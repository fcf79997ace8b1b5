/**
 * Multi-head attention and the Multihead Attention Block of the Set Transformer (Lee et al. 2019, eq. 6–7):
 *   MAB(X, Y) = LN(H + rFF(H)),  H = LN(Q + Multihead(Q, K, V)),  Q = X·W_q, K = Y·W_k, V = Y·W_v.
 * As in the authors' code, the residual adds the projected query Q (so X may have another width
 * than H), the heads are concatenated without an output projection (the rFF mixes them), and
 * rFF(H) = ReLU(H·W_o + b_o). Scores are scaled by 1/√d_head (Vaswani et al.). The key
 * projection has no bias: q·b_k shifts every score of a query equally, which softmax ignores,
 * so that bias would never receive a gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamBuilder } from '../models/layers';
import { buildLayerNorm, buildLinear, layerNorm, linear } from './layers';

export interface MabShape {
  /** Features of the queries X. */
  queryFeatures: number;
  /** Features of the keys/values Y. */
  keyFeatures: number;
  /** Hidden size H (the output's). */
  hidden: number;
  heads: number;
  layerNorm: 'on' | 'off';
}

export function buildMab(b: ParamBuilder, name: string, s: MabShape): void {
  buildLinear(b, `${name}/q`, s.queryFeatures, s.hidden);
  buildLinear(b, `${name}/k`, s.keyFeatures, s.hidden, false);
  buildLinear(b, `${name}/v`, s.keyFeatures, s.hidden);
  buildLinear(b, `${name}/o`, s.hidden, s.hidden);
  if (s.layerNorm === 'on') {
    buildLayerNorm(b, `${name}/ln0`, s.hidden);
    buildLayerNorm(b, `${name}/ln1`, s.hidden);
  }
}

/** [B, N, H] → [B·heads, N, H / heads]: each head a batch entry of its own. */
function splitHeads(x: tf.Tensor, heads: number): tf.Tensor3D {
  const [B, N, H] = x.shape;
  return x.reshape([B, N, heads, H / heads]).transpose([0, 2, 1, 3]).reshape([B * heads, N, H / heads]);
}

/** [B·heads, N, d] → [B, N, heads·d]. */
function mergeHeads(x: tf.Tensor, heads: number): tf.Tensor3D {
  const [Bh, N, d] = x.shape;
  return x.reshape([Bh / heads, heads, N, d]).transpose([0, 2, 1, 3]).reshape([Bh / heads, N, heads * d]);
}

/** softmax(Q·Kᵀ/√d)·V per head: q [B, N, H], k and v [B, M, H] → [B, N, H]. */
export function multiheadAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, heads: number): tf.Tensor3D {
  return tf.tidy(() => {
    const qh = splitHeads(q, heads); // [B·h, N, d]
    const kh = splitHeads(k, heads); // [B·h, M, d]
    const vh = splitHeads(v, heads); // [B·h, M, d]
    const d = qh.shape[2];
    const scores = tf.matMul(qh, kh.transpose([0, 2, 1])).mul(1 / Math.sqrt(d)); // [B·h, N, M]
    const weights = tf.softmax(scores); // [B·h, N, M], rows sum to 1 over the keys
    return mergeHeads(tf.matMul(weights, vh), heads); // [B, N, H]
  });
}

/**
 * MAB(X, Y): x [B, N, Fq], y [B, M, Fk] → [B, N, H]. x may be [N, Fq], queries shared by all B sets
 * (inducing points, seeds): they are projected once, then broadcast.
 */
export function mab(params: Map<string, tf.Variable>, name: string, s: MabShape, x: tf.Tensor3D | tf.Tensor2D, y: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const norm = (t: tf.Tensor, ln: string) => (s.layerNorm === 'on' ? layerNorm(params, `${name}/${ln}`, t) : t);
    const projected = linear(params, `${name}/q`, x); // [B, N, H] or [N, H]
    // Broadcast by adding zeros: its gradient is one sum over the sets (tile's is a slice and an add per set).
    const q = (x.rank === 2 ? projected.add(tf.zeros([y.shape[0], 1, 1])) : projected) as tf.Tensor3D; // [B, N, H]
    const k = linear(params, `${name}/k`, y) as tf.Tensor3D; // [B, M, H]
    const v = linear(params, `${name}/v`, y) as tf.Tensor3D; // [B, M, H]
    const h = norm(q.add(multiheadAttention(q, k, v, s.heads)), 'ln0'); // [B, N, H]
    return norm(h.add(tf.relu(linear(params, `${name}/o`, h))), 'ln1') as tf.Tensor3D; // [B, N, H]
  });
}
