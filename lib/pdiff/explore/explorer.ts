/**
 * The explorer's computations on an ExploreData, with the library's own code (bundled into the
 * page, or run in Node by the tests): decode latents with the run's autoencoder and un-standardise
 * them, score the decoded subsets on the cached probe features (the model's head, as
 * evaluateVectors runs it), find the nearest original in function space, and denoise a latent from
 * a noise level with DDIM and the EMA weights. Any backend; the page uses cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamAutoencoder } from '../../autoencoder/model';
import { LatentDenoiser } from '../../diffusion/denoiser';
import { qSample } from '../../diffusion/forward';
import { makeSchedule, type NoiseSchedule } from '../../diffusion/schedule';
import { ddimStep } from '../../diffusion/steps';
import { forEachHeadBlock } from '../../eval/head-params';
import { createModel } from '../../models/registry';
import { splitFor, type ModelSplit } from '../../models/split';
import type { TaskModel } from '../../models/task-model';
import { denormalize } from '../../params/normalize';
import { assignParams } from '../../params/tensors';
import type { VectorSet } from '../../params/types';
import { fromFloats, namedArrays, vectorSetOf, type ExploreData } from './data';

/** Probe results of M decoded models. */
export interface Scores {
  /** Probe images each model classifies correctly. */
  correct: number[];
  /** [N · C] softmax probabilities per model. */
  probs: Float32Array[];
}

/** Models per head pass: the bn3 head materialises [M, N, h, w, C] activations. */
const MODELS_PER_PASS = 4;

/** The timesteps DDIM visits from noise level t in at most `steps` steps, descending, t first. */
export function denoiseTimesteps(t: number, steps: number): number[] {
  const s = Math.max(1, Math.min(steps, t + 1));
  return [...new Set(Array.from({ length: s }, (_, i) => Math.round((t * (s - i)) / s)))];
}

export class Explorer {
  readonly latentDim: number;
  readonly probeCount: number;
  readonly classes: number;
  readonly schedule: NoiseSchedule;
  /** The originals' (raw zoo members') probe scores. */
  readonly originals: Scores;
  private readonly autoencoder: ParamAutoencoder;
  private readonly model: TaskModel;
  private readonly split: ModelSplit;
  private readonly features: tf.Tensor;
  private readonly labels: Int32Array;
  private readonly denoiser: LatentDenoiser;

  constructor(readonly data: ExploreData) {
    const { autoencoder: ae, denoiser: dn, model, probe } = data;
    this.autoencoder = new ParamAutoencoder(ae.config, ae.inDim, 0);
    assignParams(this.autoencoder.params, namedArrays(ae.names, ae.params));
    this.latentDim = this.autoencoder.geometry.latentDim;
    this.model = createModel(model.spec, 0);
    assignParams(this.model.params, namedArrays(model.names.params, model.params));
    assignParams(this.model.buffers, namedArrays(model.names.buffers, model.buffers));
    this.split = splitFor(this.model, data.manifest.entries.map((e) => e.name));
    this.features = tf.tensor(fromFloats(probe.features), probe.features.shape);
    this.labels = Int32Array.from(probe.labels);
    this.probeCount = this.labels.length;
    this.denoiser = new LatentDenoiser(dn.dim, dn.timesteps, dn.config, 0);
    assignParams(this.denoiser.params, namedArrays(dn.names, dn.params));
    this.schedule = makeSchedule(data.schedule);
    this.originals = this.score(vectorSetOf(data.originals));
    this.classes = this.originals.probs[0].length / this.probeCount;
  }

  /** Latents [count, latentDim] → raw subset vectors [count, D] (decode, un-standardise). */
  decode(latents: Float32Array, count: number): VectorSet {
    const x = tf.tidy(() => this.autoencoder.decode(tf.tensor2d(latents, [count, this.latentDim])));
    const data = x.dataSync() as Float32Array;
    x.dispose();
    return denormalize({ count, dim: this.autoencoder.inDim, data }, this.data.norm);
  }

  /** Every vector's head on the probe features: correct counts (argmax of the logits) and probabilities. */
  score(vectors: VectorSet): Scores {
    const n = this.probeCount;
    const correct = new Array<number>(vectors.count).fill(0);
    const probs: Float32Array[] = [];
    const chunks = { modelsPerChunk: MODELS_PER_PASS, imagesPerChunk: n };
    forEachHeadBlock(this.model, this.split, this.data.manifest, vectors, this.features, chunks, (logits, { m0, models }) => {
      const predicted = logits.argMax(2).dataSync(); // [M, N]
      const p = tf.softmax(logits, 2).dataSync() as Float32Array; // [M, N, C]
      const rows = p.length / models;
      for (let j = 0; j < models; j++) {
        for (let i = 0; i < n; i++) if (predicted[j * n + i] === this.labels[i]) correct[m0 + j]++;
        probs[m0 + j] = p.slice(j * rows, (j + 1) * rows);
      }
    });
    return { correct, probs };
  }

  /** The original closest in function space: mean total-variation distance of the probe probabilities. */
  nearest(probs: Float32Array): { index: number; tv: number } {
    let best = { index: -1, tv: Infinity };
    this.originals.probs.forEach((q, index) => {
      let sum = 0;
      for (let i = 0; i < q.length; i++) sum += Math.abs(probs[i] - q[i]);
      const tv = sum / 2 / this.probeCount;
      if (tv < best.tv) best = { index, tv };
    });
    return best;
  }

  /**
   * SDEdit with the run's denoiser: noise `count` latents to level t (DDPM eq. 4, one seeded draw
   * shared by all rows, so a path stays smooth), then DDIM (η = 0, the sampler's clip) back to x_0.
   * Returns every visited x, from x_t to x_0.
   */
  denoise(latents: Float32Array, count: number, t: number, steps: number, seed: number): Float32Array[] {
    const visit = denoiseTimesteps(t, steps);
    const ts = (v: number) => new Int32Array(count).fill(v);
    let x = tf.tidy(() => qSample(tf.tensor2d(latents, [count, this.latentDim]), ts(t),
      tf.randomNormal([1, this.latentDim], 0, 1, 'float32', seed).tile([count, 1]) as tf.Tensor2D, this.schedule)); // [count, D]
    const frames = [x.dataSync() as Float32Array];
    try {
      visit.forEach((tNow, i) => {
        const tPrev = i + 1 < visit.length ? visit[i + 1] : -1;
        const next = tf.tidy(() => ddimStep(x, this.denoiser.predict(x, ts(tNow)), tNow, tPrev, this.schedule, 0, null, this.data.sampler.clip));
        x.dispose();
        x = next;
        frames.push(x.dataSync() as Float32Array);
      });
    } finally {
      x.dispose();
    }
    return frames;
  }

  dispose(): void {
    this.autoencoder.dispose();
    this.model.dispose();
    this.denoiser.dispose();
    this.features.dispose();
  }
}
