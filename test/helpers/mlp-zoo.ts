// A tiny zoo of whole MLPs for the autoencoder's behavioural-loss tests: six MLPs 16-6-3 (seeds 1…6),
// raw and standardised per position, the model they fit, and noise images to query them with.
import type { BehaviourLossConfig } from '../../lib/autoencoder';
import type { ImageDataset } from '../../lib/data/dataset';
import { Mlp, splitFor } from '../../lib/models';
import { flatten } from '../../lib/params/flatten';
import { fitNormStats, normalize } from '../../lib/params/normalize';
import { readParams } from '../../lib/params/tensors';
import type { VectorSet } from '../../lib/params/types';
import { Rng } from '../../lib/util/rng';

export const mlpConfig = { inputSize: 16, hidden: [6], numClasses: 3 };
export const queryImages: ImageDataset = {
  name: 'noise', images: new Rng(4).normalArray(40 * 16), labels: new Int32Array(40), shape: [4, 4, 1], numClasses: 3,
};
export const klOn20: BehaviourLossConfig = { weight: 1, queryImages: 20, loss: 'kl' };

/** The zoo and what a behavioural term needs of it (the caller disposes `model`). */
export function mlpZoo() {
  const model = new Mlp(mlpConfig, 0);
  const names = [...model.params.keys()];
  const rows = [1, 2, 3, 4, 5, 6].map((seed) => {
    const member = new Mlp(mlpConfig, seed);
    const flat = flatten(readParams(member.params, names));
    member.dispose();
    return flat;
  });
  const manifest = rows[0].manifest;
  const originals: VectorSet = { count: rows.length, dim: manifest.size, data: Float32Array.from(rows.flatMap((r) => [...r.vector])) };
  const norm = fitNormStats(originals, 'position', manifest);
  return { model, split: splitFor(model, names), manifest, norm, originals, standardized: normalize(originals, norm) };
}
