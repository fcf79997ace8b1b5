/**
 * p-diff as one object, diffusers' pipeline shape: `collect` a zoo of subset snapshots from any
 * task model, `fit` the autoencoder and the latent DDPM (with EMA), `generate` new parameter
 * vectors, `load` one into a model. Every stage saves its state in `outDir`, so a new pipeline on
 * the same directory continues where a killed one stopped and reloads what is finished.
 *
 *   const pipe = new PDiffPipeline(preset('quick'), { outDir: 'runs/mine' });
 *   pipe.collect(myModel, data, { subset: ['fc/*'] });
 *   pipe.fit();
 *   const vectors = pipe.generate(100, { seed: 3 });   // [100, D]
 *   pipe.load(myModel, vectors, 0);
 */
import * as path from 'node:path';
import { behaviourTerm, behaviourWeight, type BehaviourTerm } from '../autoencoder/behaviour';
import { ParamAutoencoder } from '../autoencoder/model';
import { decodeSet, encodeSet, trainAutoencoder, type AutoencoderTrainResult } from '../autoencoder/train';
import type { DataSplits, ImageDataset } from '../data/dataset';
import { LatentDenoiser } from '../diffusion/denoiser';
import { LatentDiffusion } from '../diffusion/latent-diffusion';
import type { SampleResult, SamplerConfig } from '../diffusion/samplers';
import { makeSchedule } from '../diffusion/schedule';
import { specOf } from '../models/registry';
import { splitFor } from '../models/split';
import type { TaskModel } from '../models/task-model';
import { checkManifest, flatten, unflatten } from '../params/flatten';
import { denormalize, fitNormStats, normalize, type NormStats } from '../params/normalize';
import { assignParams, readParams } from '../params/tensors';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { releaseRunDir } from '../util/run-lock';
import { assertFinite } from '../util/finite';
import type { ProgressFn } from '../util/progress';
import { seconds } from '../util/timing';
import { rowOf } from '../params/rows';
import { resolveSubset } from '../zoo/base-model';
import { collectCheckpoints, type Collection } from '../zoo/collect';
import { heldOutSplit, splitRows, type HeldOutSplit } from '../zoo/holdout';
import { collectSeeds } from '../zoo/seeds';
import { isIndependentZoo, pdiffSeeds, seedsZooOf, ZOO_RECIPES, type PdiffConfig } from './config';
import { AUTOENCODER_STATE_FILE, claimDir, DIFFUSION_STATE_FILE } from './run-dir';

/**
 * What a pipeline on an existing `outDir` continues:
 * - 'run' (default): the whole run. run.json pins outDir to the config (another config is refused,
 *   naming the differing fields); autoencoder and diffusion training save their state at every log
 *   point and continue from it; a finished stage is loaded instead of trained again.
 * - 'collection': only the zoo (outDir may be shared by runs that differ after stage 1, as the
 *   ablations' collection directories are).
 */
export type ResumeMode = 'collection' | 'run';

export interface PDiffPipelineOptions {
  /** Where every stage keeps its state. */
  outDir: string;
  onProgress?: ProgressFn;
  /** Default 'run'. */
  resume?: ResumeMode;
}

export interface CollectOptions {
  /** Layer patterns of the generated subset (e.g. `['fc/*']`); default: the config's. */
  subset?: string[];
  /** The model comes trained: no task-model training before the snapshots (recorded as 0 epochs). */
  pretrained?: boolean;
}

export interface GenerateOptions {
  /** Seeds x_T and the sampler's noise; default: the run's sampling seed. */
  seed?: number;
  /** Default: the config's sampler. */
  sampler?: Omit<SamplerConfig, 'seed'>;
  /** Timesteps whose x_t to keep (latent trajectories). */
  record?: number[];
  /** Names the sampler in progress reports. */
  label?: string;
}

/** Stage 2–3 products, present after `fit`. */
interface Fitted {
  norm: NormStats;
  autoencoder: ParamAutoencoder;
  autoencoderLoss: { step: number; loss: number }[];
  /** The originals' latents (no noise), [K, latentDim]. */
  latents: VectorSet;
  /** MSE of the noise-free reconstructions in standardised units. */
  reconstructionMse: number;
  diffusion: LatentDiffusion<LatentDenoiser>;
}

/** The zoo and what stage 2 may need of stage 1. */
interface Zoo {
  collection: Collection;
  split: HeldOutSplit;
  /** Training images, for the autoencoder's behavioural loss (absent for a zoo given without them). */
  images?: ImageDataset;
}

export class PDiffPipeline {
  /** The config as run: after `collect`, its model and subset are the ones collected. */
  config: PdiffConfig;
  /** Wall seconds of the stages run (or reloaded) by this object. */
  readonly timings = { collect: 0, autoencoder: 0, diffusion: 0 };
  private zoo?: Zoo;
  private fitted?: Fitted;
  private readonly outDir: string;
  private readonly onProgress?: ProgressFn;
  private readonly resume: ResumeMode;

  constructor(config: PdiffConfig, options: PDiffPipelineOptions) {
    this.config = config;
    this.outDir = options.outDir;
    this.onProgress = options.onProgress;
    this.resume = options.resume ?? 'run';
  }

  /**
   * Stage 1: trains `model` (unless `pretrained`), then collects the zoo of its subset: the
   * config's recipe (K snapshots of a trajectory, or N independently trained members). The audit's
   * held-out members are set aside; `fit` never sees them. The model stays the caller's (this
   * pipeline never disposes it); it ends holding the last member.
   */
  collect(model: TaskModel, data: DataSplits, options: CollectOptions = {}): Collection {
    if (this.zoo) throw new InputError('this pipeline has collected its zoo already; make a new pipeline for another');
    const { collect } = this.config;
    const train = options.pretrained ? { ...collect.train, epochs: 0 } : collect.train;
    this.config = { ...this.config, collect: { ...collect, model: specOf(model, collect.model), subset: options.subset ?? collect.subset, train } };
    const { zoo, seeds, audit } = this.config;
    if (!ZOO_RECIPES.includes(zoo)) throw new InputError(`zoo must be one of ${ZOO_RECIPES.join(', ')}, got ${JSON.stringify(zoo)}`);
    const split = heldOutSplit(isIndependentZoo(zoo) ? seeds.members : this.config.collect.snapshots, audit.holdOutEvery);
    if (this.resume === 'run') claimDir(this.outDir, this.config);
    const started = performance.now();
    const recipe = { ...this.config.collect, seed: pdiffSeeds(this.config.seed).train };
    const collection = isIndependentZoo(zoo)
      ? collectSeeds(model, data, recipe, seedsZooOf(this.config), this.outDir, this.onProgress)
      : collectCheckpoints(model, data, recipe, this.outDir, this.onProgress);
    this.zoo = { collection, split, images: data.train };
    this.timings.collect = seconds(started);
    return collection;
  }

  /**
   * Stage 1 from a zoo made elsewhere (e.g. a PyTorch zoo read by `zoo.readTorchZoo`): `members`
   * [N, D] are values of the `subset` of `model` (default: every parameter, a whole network), laid
   * out in the model's order. The audit's held-out members are set aside as `collect` does.
   * `images`: training images, needed only by the autoencoder's behavioural loss (its query set).
   */
  useZoo(model: TaskModel, members: VectorSet, options: { subset?: string[]; images?: ImageDataset } = {}): Collection {
    if (this.zoo) throw new InputError('this pipeline has its zoo already; make a new pipeline for another');
    const subset = options.subset ?? ['**'];
    this.config = { ...this.config, collect: { ...this.config.collect, model: specOf(model, this.config.collect.model), subset } };
    const { names, manifest } = resolveSubset(model, subset);
    if (members.dim !== manifest.size) throw new InputError(`zoo rows hold ${members.dim} values, the subset ${subset.join(', ')} of the ${model.kind} model ${manifest.size}`);
    assertFinite(members.data, members.dim, 'the zoo');
    const split = heldOutSplit(members.count, this.config.audit.holdOutEvery);
    if (this.resume === 'run') claimDir(this.outDir, this.config);
    const base = flatten(readParams(model.params, names)).vector;
    const collection = { model, subsetNames: names, manifest, split: splitFor(model, names), snapshots: members, steps: new Array<number>(members.count).fill(0), base };
    this.zoo = { collection, split, images: options.images };
    return collection;
  }

  /** Stages 2–3: standardise the snapshots, train the autoencoder, then the latent DDPM on the originals' latents. */
  fit(): this {
    const { config, onProgress } = this;
    const collection = this.collection;
    if (this.fitted) return this;
    const seeds = pdiffSeeds(config.seed);
    // The training state of a stage, saved where the loss is read back anyway.
    const checkpoint = (file: string, every: number) => (this.resume === 'run' ? { file: path.join(this.outDir, file), every } : undefined);
    let started = performance.now();
    const originals = this.members.training;
    const norm = fitNormStats(originals, config.normalization, collection.manifest);
    const standardized = normalize(originals, norm);
    const autoencoder = new ParamAutoencoder(config.autoencoder, originals.dim, seeds.autoencoder);
    let denoiser: LatentDenoiser | undefined;
    try {
      const behaviour = this.behaviourTerm(norm, originals);
      let aeRun: AutoencoderTrainResult;
      try {
        aeRun = trainAutoencoder(autoencoder, standardized, { ...config.autoencoderTrain, seed: seeds.autoencoder },
          (p) => onProgress?.('autoencoder', p.step, p.totalSteps, { loss: p.loss }),
          checkpoint(AUTOENCODER_STATE_FILE, config.autoencoderTrain.logEvery), behaviour);
      } finally {
        behaviour?.dispose();
      }
      const latents = encodeSet(autoencoder, standardized);
      assertFinite(latents.data, latents.dim, 'latents of the originals');
      const decoded = decodeSet(autoencoder, latents).data;
      const reconstructionMse = standardized.data.reduce((sum, v, i) => sum + (v - decoded[i]) ** 2, 0) / standardized.data.length;
      this.timings.autoencoder = seconds(started);

      started = performance.now();
      const schedule = makeSchedule(config.schedule);
      denoiser = new LatentDenoiser(latents.dim, schedule.steps, config.denoiser, seeds.diffusion);
      const diffusion = LatentDiffusion.train(denoiser, latents, schedule, { ...config.diffusionTrain, seed: seeds.diffusion },
        (p) => onProgress?.('diffusion', p.step, p.totalSteps, { loss: p.loss }),
        checkpoint(DIFFUSION_STATE_FILE, config.diffusionTrain.logEvery));
      this.timings.diffusion = seconds(started);
      this.fitted = { norm, autoencoder, autoencoderLoss: aeRun.losses, latents, reconstructionMse, diffusion };
      return this;
    } catch (err) {
      autoencoder.dispose();
      denoiser?.dispose();
      throw err;
    }
  }

  /** The autoencoder's behavioural term over the training rows (raw `originals`), or undefined when the config has none. */
  private behaviourTerm(norm: NormStats, originals: VectorSet): BehaviourTerm | undefined {
    const option = this.config.autoencoderTrain.behaviour;
    if (option === null || behaviourWeight(option) === 0) return undefined;
    const { collection, images } = this.collected;
    if (!images) throw new InputError('autoencoderTrain.behaviour queries training images: give them to useZoo(model, members, { images })');
    return behaviourTerm(option, { model: collection.model, split: collection.split, manifest: collection.manifest, norm, originals, images });
  }

  /** Samples `count` latents with the EMA weights. */
  sampleLatents(count: number, options: GenerateOptions = {}): SampleResult {
    const { diffusion } = this.trained;
    const { seed = pdiffSeeds(this.config.seed).sampling, sampler = this.config.sampler, record, label } = options;
    const stage = label ? `sample (${label})` : 'sample';
    return diffusion.sample(count, { ...sampler, seed }, {
      record,
      onStep: (p) => this.onProgress?.(stage, p.step, p.totalSteps, {}),
      what: label ? `latents sampled with ${label}` : 'sampled latents',
    });
  }

  /** Latents → raw parameter vectors (decode, un-standardise). */
  decode(latents: VectorSet): VectorSet {
    const { autoencoder, norm } = this.trained;
    return denormalize(decodeSet(autoencoder, latents), norm);
  }

  /** `count` new parameter vectors of the subset, [count, D] in raw parameter space. */
  generate(count: number, options: GenerateOptions = {}): VectorSet {
    return this.decode(this.sampleLatents(count, options).samples);
  }

  /** Writes row `index` of `vectors` into the subset of `model` (the collected model or another of the same layout). */
  load(model: TaskModel, vectors: VectorSet, index: number): void {
    const { manifest } = this.collection;
    if (vectors.dim !== manifest.size) throw new InputError(`vectors of ${vectors.dim} values cannot fill a subset of ${manifest.size}`);
    checkManifest(manifest);
    assignParams(model.params, unflatten(rowOf(vectors, index), manifest));
  }

  /** The zoo's rows the generator trains on, and the held-out members (none when the audit is off). */
  get members(): { training: VectorSet; heldOut: VectorSet; split: HeldOutSplit } {
    const { collection, split } = this.collected;
    return { ...splitRows(collection.snapshots, split), split };
  }

  /** The zoo: model, subset, all its members (after `collect`). */
  get collection(): Collection {
    return this.collected.collection;
  }

  private get collected(): Zoo {
    if (!this.zoo) throw new InputError('collect the zoo first: pipeline.collect(model, data)');
    return this.zoo;
  }

  get norm(): NormStats { return this.trained.norm; }
  get autoencoder(): ParamAutoencoder { return this.trained.autoencoder; }
  get autoencoderLoss(): { step: number; loss: number }[] { return this.trained.autoencoderLoss; }
  get latents(): VectorSet { return this.trained.latents; }
  get reconstructionMse(): number { return this.trained.reconstructionMse; }
  get diffusion(): LatentDiffusion<LatentDenoiser> { return this.trained.diffusion; }

  /** Frees the autoencoder and the diffusion model (not the task model: it is the caller's), and lets go of the run directory. */
  dispose(): void {
    this.fitted?.autoencoder.dispose();
    this.fitted?.diffusion.dispose();
    this.fitted = undefined;
    if (this.resume === 'run') releaseRunDir(this.outDir);
  }

  private get trained(): Fitted {
    if (!this.fitted) throw new InputError('fit the pipeline first: pipeline.fit()');
    return this.fitted;
  }
}
