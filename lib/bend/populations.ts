/** The parameter-space baselines BEND builds from the N zoo members: the weight average and noise-added copies. */
import { addGaussianNoise, weightAverage } from '../eval/baselines';
import type { VectorSet } from '../params/types';
import { seconds } from '../util/timing';
import { bendSeeds, type BendConfig } from './config';

/** `count` copies of the zoo's rows (copy m of row m mod N), each plus N(0, σ²) on every value. */
export function noiseCopies(zoo: VectorSet, count: number, sigma: number, seed: number): VectorSet {
  const { dim } = zoo;
  const tiled = new Float32Array(count * dim);
  for (let m = 0; m < count; m++) {
    const k = m % zoo.count;
    tiled.set(zoo.data.subarray(k * dim, (k + 1) * dim), m * dim);
  }
  return addGaussianNoise({ count, dim, data: tiled }, sigma, seed);
}

export interface ZooBaselines {
  weightAverage: VectorSet;
  /** M_max copies per σ of `config.noiseSigmas`, with the wall seconds of making them. */
  noise: { sigma: number; vectors: VectorSet; seconds: number }[];
}

export function zooBaselines(zoo: VectorSet, config: BendConfig): ZooBaselines {
  const seeds = bendSeeds(config.pdiff.seed);
  return {
    weightAverage: weightAverage(zoo),
    noise: config.noiseSigmas.map((sigma, i) => {
      const t = performance.now();
      const vectors = noiseCopies(zoo, config.members, sigma, seeds.noiseCopies(i));
      return { sigma, vectors, seconds: seconds(t) };
    }),
  };
}
