/**
 * Everything the explorer page needs from a finished p-diff run directory. The pipeline is rebuilt
 * on the directory (collect, fit: every stage reloads its saved state, nothing trains), the
 * generated latents are drawn again with the run's seed and sampler, and the probe set's features
 * are computed once with the model's trunk.
 */
import { encodeSet } from '../../autoencoder/train';
import type { ImageDataset } from '../../data/dataset';
import { addGaussianNoise } from '../../eval/baselines';
import { evaluateVectors } from '../../eval/evaluate-vectors';
import { computeFeatures } from '../../eval/features';
import { fitPca, projectPca, type Pca } from '../../eval/pca';
import { createModel } from '../../models/registry';
import { normalize } from '../../params/normalize';
import { readParams } from '../../params/tensors';
import type { VectorSet } from '../../params/types';
import { InputError } from '../../util/errors';
import type { ProgressFn } from '../../util/progress';
import { pdiffSeeds } from '../config';
import { loadData } from '../data';
import { PDiffPipeline } from '../pipeline';
import type { Population } from '../results';
import { namedToFloats, toFloats, type ExploreData, type MapPopulation } from './data';
import { readFinishedRun } from './run-check';

export interface ExtractOptions {
  /** The first this many val images are the probe set (default 300). */
  probeImages?: number;
  onProgress?: ProgressFn;
}

/** The first `count` images of a dataset. */
export function firstImages(ds: ImageDataset, count: number): ImageDataset {
  const n = Math.min(count, ds.labels.length);
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  return { ...ds, name: `${ds.name} (first ${n})`, images: ds.images.subarray(0, n * per), labels: ds.labels.subarray(0, n) };
}

/** Reads the run in `dir` (an InputError if it is not a finished p-diff run) and extracts the page's data. */
export function extractExploreData(dir: string, options: ExtractOptions = {}): ExploreData {
  const { probeImages = 300, onProgress } = options;
  if (!(Number.isInteger(probeImages) && probeImages >= 1)) throw new InputError(`probe images must be a positive integer, got ${probeImages}`);
  const { config, results } = readFinishedRun(dir);
  const data = loadData(config);
  const model = createModel(config.collect.model, pdiffSeeds(config.seed).init);
  const pipeline = new PDiffPipeline(config, { outDir: dir, onProgress });
  try {
    const collection = pipeline.collect(model, data);
    pipeline.fit();
    const { autoencoder, diffusion, norm, latents } = pipeline;
    const pca = fitPca(latents, 2);
    const encode = (vectors: VectorSet) => encodeSet(autoencoder, normalize(vectors, norm));
    const place = (name: string, z: VectorSet): MapPopulation => {
      const measured: Population | undefined = results.populations[name];
      if (!measured || measured.test.length !== z.count) throw new InputError(`${dir}: results.json has no accuracies of the ${z.count} ${name} models`);
      return { name, latents: toFloats(z.data, [z.count, z.dim]), points: projectPca(pca, z) as [number, number][], test: measured.test, val: measured.val };
    };
    const { training, heldOut } = pipeline.members;
    const populations = [place('originals', latents), place('generated', pipeline.sampleLatents(config.generated).samples)];
    if (heldOut.count > 0) populations.push(place('held-out', encode(heldOut)));
    config.noiseSigmas.forEach((sigma, i) =>
      populations.push(place(`noise σ=${sigma}`, encode(addGaussianNoise(training, sigma, pdiffSeeds(config.seed).noiseBaseline(i))))));

    const probe = firstImages(data.val, probeImages);
    const features = computeFeatures(collection.split, probe);
    try {
      const reconstructed = evaluateVectors(model, collection.split, collection.manifest, pipeline.decode(latents), features, probe.labels);
      const denoiserWeights = diffusion.ema ? diffusion.ema.averages : diffusion.denoiser.params;
      const names = (map: ReadonlyMap<string, unknown>) => [...map.keys()];
      return {
        run: { dir, preset: config.preset, seed: config.seed, dataset: config.dataset, subset: config.collect.subset, layers: collection.subsetNames },
        model: {
          spec: config.collect.model,
          params: readParams(model.params, names(model.params)).map(namedToFloats),
          buffers: readParams(model.buffers, names(model.buffers)).map(namedToFloats),
          names: { params: names(model.params), buffers: names(model.buffers) },
        },
        manifest: collection.manifest,
        norm,
        autoencoder: {
          config: autoencoder.config, inDim: autoencoder.inDim, names: names(autoencoder.params),
          params: readParams(autoencoder.params, names(autoencoder.params)).map(namedToFloats),
        },
        denoiser: {
          config: diffusion.denoiser.config, dim: diffusion.denoiser.dim, timesteps: diffusion.denoiser.timesteps,
          names: names(denoiserWeights), params: readParams(denoiserWeights, names(denoiserWeights)).map(namedToFloats),
        },
        schedule: config.schedule,
        sampler: { ...config.sampler, seed: pdiffSeeds(config.seed).sampling },
        pca: plainPca(pca),
        populations,
        originals: toFloats(training.data, [training.count, training.dim]),
        probe: { features: toFloats(features.dataSync() as Float32Array, features.shape), labels: [...probe.labels] },
        reference: { reconstructedProbeAccuracy: reconstructed.accuracy },
      };
    } finally {
      features.dispose();
    }
  } finally {
    pipeline.dispose();
    model.dispose();
  }
}

function plainPca(pca: Pca): ExploreData['pca'] {
  return { mean: [...pca.mean], components: pca.components.map((c) => [...c]), varianceRatio: pca.varianceRatio };
}
