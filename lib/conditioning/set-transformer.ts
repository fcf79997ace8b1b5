/**
 * The Set Transformer (Lee et al. 2019) over a batch of sets [B, N, F] → [B, k, H]:
 *   SAB(X) = MAB(X, X);  ISAB_m(X) = MAB(X, MAB(I, X)) with m learned inducing points I (eq. 9–10);
 *   PMA_k(Z) = MAB(S, rFF(Z)) with k learned seeds S (eq. 11), rFF(Z) = ReLU(Z·W + b).
 * Encoder: ISAB blocks (permutation-equivariant); decoder: PMA (invariant), then SAB blocks over
 * the k pooled outputs. Inducing points and seeds start U(±1/√H), like a linear layer's weights.
 */
import * as tf from '@tensorflow/tfjs';
import { named, type ParamBuilder } from '../models/layers';
import { InputError } from '../util/errors';
import { buildMab, mab, type MabShape } from './attention';
import { checkSetTransformerConfig, type SetTransformerConfig } from './config';
import { buildLinear, linear } from './layers';

export class SetTransformer {
  private readonly params: Map<string, tf.Variable>;

  /** Creates the parameters `name/...` in `b` (seeded by its Rng), for sets of `features`-long elements. */
  constructor(b: ParamBuilder, private readonly name: string, readonly features: number, readonly config: SetTransformerConfig) {
    checkSetTransformerConfig(config);
    if (!(Number.isInteger(features) && features > 0)) throw new InputError(`set transformer features must be a positive integer, got ${features}`);
    const { hidden, inducingPoints, seeds } = config;
    this.params = b.params;
    for (let i = 0; i < config.isabBlocks; i++) {
      const input = i === 0 ? features : hidden;
      b.uniform(`${name}/isab${i}/inducing`, [inducingPoints, hidden], hidden); // [m, H]
      buildMab(b, `${name}/isab${i}/mab0`, this.shape(hidden, input)); // MAB(I, X)
      buildMab(b, `${name}/isab${i}/mab1`, this.shape(input, hidden)); // MAB(X, ·)
    }
    const pooledInput = config.isabBlocks > 0 ? hidden : features;
    b.uniform(`${name}/pma/seeds`, [seeds, hidden], hidden); // [k, H]
    buildLinear(b, `${name}/pma/rff`, pooledInput, hidden);
    buildMab(b, `${name}/pma/mab`, this.shape(hidden, hidden));
    for (let i = 0; i < config.sabBlocks; i++) buildMab(b, `${name}/sab${i}`, this.shape(hidden, hidden));
  }

  private shape(queryFeatures: number, keyFeatures: number): MabShape {
    const { hidden, heads, layerNorm } = this.config;
    return { queryFeatures, keyFeatures, hidden, heads, layerNorm };
  }

  /** x [B, N, F] → [B, k, H]; invariant to the order of the N elements of each set. */
  forward(x: tf.Tensor3D): tf.Tensor3D {
    const { name, config } = this;
    const { hidden } = config;
    if (x.rank !== 3 || x.shape[2] !== this.features || x.shape[1] < 1) {
      throw new InputError(`set transformer input must be [B, N ≥ 1, ${this.features}], got [${x.shape}]`);
    }
    return tf.tidy(() => {
      const shared = (param: string) => named(this.params, param) as tf.Tensor2D; // [r, H], the same queries for every set
      let h = x; // [B, N, F]
      for (let i = 0; i < config.isabBlocks; i++) {
        const input = i === 0 ? this.features : hidden;
        const induced = mab(this.params, `${name}/isab${i}/mab0`, this.shape(hidden, input), shared(`${name}/isab${i}/inducing`), h); // [B, m, H]
        h = mab(this.params, `${name}/isab${i}/mab1`, this.shape(input, hidden), h, induced); // [B, N, H]
      }
      const z = tf.relu(linear(this.params, `${name}/pma/rff`, h)) as tf.Tensor3D; // [B, N, H]
      let out = mab(this.params, `${name}/pma/mab`, this.shape(hidden, hidden), shared(`${name}/pma/seeds`), z); // [B, k, H]
      for (let i = 0; i < config.sabBlocks; i++) out = mab(this.params, `${name}/sab${i}`, this.shape(hidden, hidden), out, out); // [B, k, H]
      return out;
    });
  }
}
