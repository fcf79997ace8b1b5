/**
 * What the explorer page carries: the trained decoder and denoiser (EMA weights), the task model's
 * head, the latents and accuracies of every population, the PCA map and the cached probe set.
 * Plain JSON with float32 arrays as base64, read the same way in Node (tests) and in the page.
 */
import type { AutoencoderConfig } from '../../autoencoder/config';
import type { DenoiserConfig } from '../../diffusion/denoiser';
import type { SamplerConfig } from '../../diffusion/samplers';
import type { ScheduleConfig } from '../../diffusion/schedule';
import type { ModelSpec } from '../../models/registry';
import type { NormStats } from '../../params/normalize';
import type { NamedArray, ParamManifest, VectorSet } from '../../params/types';

/** Float32 values, little-endian, base64. */
export interface Floats {
  shape: number[];
  base64: string;
}

/** One population drawn on the map. */
export interface MapPopulation {
  /** 'originals', 'generated', 'held-out', 'noise σ=0.01', … (results.json's population names). */
  name: string;
  /** [count, latentDim]: the population's latents (for held-out and noise baselines: their encodings). */
  latents: Floats;
  /** PCA coordinates of each latent. */
  points: [number, number][];
  /** Test and val accuracy of each model, from results.json (of the models themselves, not of their encodings). */
  test: number[];
  val: number[];
}

export interface ExploreData {
  run: { dir: string; preset: string; seed: number; dataset: string; subset: string[]; layers: string[] };
  /** The task model: every parameter and buffer (the subset's are overwritten by each decoded vector). */
  model: { spec: ModelSpec; params: Floats[]; buffers: Floats[]; names: { params: string[]; buffers: string[] } };
  /** The subset's layout in a parameter vector. */
  manifest: ParamManifest;
  norm: NormStats;
  autoencoder: { config: AutoencoderConfig; inDim: number; names: string[]; params: Floats[] };
  /** The denoiser with its EMA weights (what the run samples with). */
  denoiser: { config: DenoiserConfig; dim: number; timesteps: number; names: string[]; params: Floats[] };
  schedule: ScheduleConfig;
  sampler: SamplerConfig;
  pca: { mean: number[]; components: number[][]; varianceRatio: number[] };
  /** originals first (the training members), then generated, then the rest. */
  populations: MapPopulation[];
  /** The originals' raw parameter vectors [K, D]: function-space neighbours are measured against them. */
  originals: Floats;
  /** The first val images' frozen features (the trunk's output) and labels. */
  probe: { features: Floats; labels: number[] };
  /** Computed in Node: probe accuracy of each original's reconstruction (decode(its latent)). */
  reference: { reconstructedProbeAccuracy: number[] };
}

export function toFloats(data: Float32Array, shape: number[]): Floats {
  return { shape, base64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
}

export const namedToFloats = (a: NamedArray): Floats => toFloats(a.data, a.shape);

/** Works in Node and in the browser (atob), on little-endian machines (all that run tfjs). */
export function fromFloats(f: Floats): Float32Array {
  const text = atob(f.base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

export function vectorSetOf(f: Floats): VectorSet {
  return { count: f.shape[0], dim: f.shape[1], data: fromFloats(f) };
}

/** Names and values back as NamedArrays. */
export function namedArrays(names: string[], values: Floats[]): NamedArray[] {
  return names.map((name, i) => ({ name, shape: values[i].shape, data: fromFloats(values[i]) }));
}
