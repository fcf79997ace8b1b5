/**
 * D2NWG's generator as one object, trained stage by stage in a run directory (each stage resumes
 * or reloads): the task zoo → a beta-VAE over head rows (one row per class: [W_k, b_k]) → a dataset
 * encoder aligned to the frozen row latents by a CLIP loss, then frozen → a conditional latent
 * diffusion model over the standardised row latents (condition of row k: concat(class_k, dataset))
 * with condition dropout for classifier-free guidance, and an unconditional one over the same
 * latents as the baseline. Generating a head = sampling one latent per class of the condition,
 * decoding the rows and assembling them in the condition's class order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { alignEncoder, makeDatasetEncoder, type AlignResult, type Condition, type DatasetEncoder } from '../conditioning';
import { ConditionalLatentDenoiser } from '../diffusion/conditional';
import { LatentDenoiser } from '../diffusion/denoiser';
import { guidedEps } from '../diffusion/guidance';
import { LatentDiffusion } from '../diffusion/latent-diffusion';
import type { SamplerConfig } from '../diffusion/samplers';
import { makeSchedule } from '../diffusion/schedule';
import type { ConditionedLatents, Denoiser } from '../diffusion/types';
import { fitStandardizer, type Standardizer } from '../params/normalize';
import { repeatRows } from '../params/rows';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { assertFinite } from '../util/finite';
import type { ProgressFn } from '../util/progress';
import { seconds } from '../util/timing';
import { VaeInput } from '../vae/input';
import { saveVae } from '../vae/io';
import { WeightVae } from '../vae/model';
import { OfficialLossVae } from '../vae/official-loss';
import { decodeRows, encodeRows, trainVae } from '../vae/train';
import { classMeans, drawConditions, embedConditions, taskSlice } from './conditions';
import { checkD2nwgConfig, type D2nwgConfig } from './config';
import { loadEncoder, saveEncoder } from './encoder-io';
import { taskFeatures, type TaskFeatures } from './features';
import { behaviourQueries } from './queries';
import { claimDir, D2NWG_OUTPUTS } from './run-dir';
import { d2nwgSeeds } from './seeds';
import { buildTaskZoo, type TaskZoo } from './task-zoo/build';
import type { TaskSources } from './task-zoo/extractor';

export interface D2nwgPipelineOptions {
  /** The run directory: every stage saves its state here and reloads it on a later fit; pinned to the config (run.json). */
  outDir: string;
  onProgress?: ProgressFn;
  /** Replaces the real datasets of the task zoo (tests pass small synthetic ones); read only if the zoo has something left to compute. */
  sources?: TaskSources;
}

export interface GenerateOptions {
  /** Seeds x_T and every sampler step. */
  seed: number;
  /** Classifier-free guidance scale s: ε_u + s·(ε_c − ε_u); 1 = plain conditional (a run chooses it on training tasks, see selection.ts). */
  guidance: number;
}

/** Wall seconds of each stage fit ran (or reloaded). */
export interface D2nwgTimings { zoo: number; vae: number; align: number; diffusion: number; unconditional: number }

export interface D2nwgLosses {
  vae: { step: number; loss: number }[];
  conditional: { step: number; loss: number }[];
  unconditional: { step: number; loss: number }[];
}

/** What fit trained or reloaded. */
interface Fitted {
  zoo: TaskZoo;
  input: VaeInput;
  vae: WeightVae;
  encoder: DatasetEncoder;
  trainTasks: TaskFeatures[];
  standardizer: Standardizer;
  /** The statistics the class means of a condition are standardised with ('prototypes' conditioning). */
  prototypes: Standardizer;
  conditional: LatentDiffusion<ConditionalLatentDenoiser>;
  unconditional: LatentDiffusion<LatentDenoiser>;
  vaeRelativeMse: number;
  alignment: AlignResult;
  losses: D2nwgLosses;
}

type OwnedDenoiser = Denoiser & { dispose(): void };

export class D2nwgPipeline {
  readonly timings: D2nwgTimings = { zoo: 0, vae: 0, align: 0, diffusion: 0, unconditional: 0 };
  private fitted?: Fitted;
  private readonly outDir: string;
  private readonly onProgress?: ProgressFn;
  private readonly sources?: TaskSources;

  constructor(readonly config: D2nwgConfig, options: D2nwgPipelineOptions) {
    checkD2nwgConfig(config);
    this.outDir = options.outDir;
    this.onProgress = options.onProgress;
    this.sources = options.sources;
  }

  /** Pins the directory to the config, then trains (or reloads) every stage; a second call does nothing. */
  fit(): this {
    if (this.fitted) return this;
    const { config, onProgress, timings } = this;
    claimDir(this.outDir, config);
    const seeds = d2nwgSeeds(config.seed);
    const file = (name: string) => path.join(this.outDir, name);
    let t = performance.now();
    const zoo = buildTaskZoo(config.zoo, file(D2NWG_OUTPUTS.taskZoo), onProgress, this.sources);
    timings.zoo = seconds(t);
    const owned: { dispose(): void }[] = [];
    try {
      // Stage 1: the VAE over head rows (with the behavioural term, its query set from the training tasks).
      t = performance.now();
      const trainTasks = zoo.tasks.map((task) => taskFeatures(zoo.features, task.spec));
      const input = VaeInput.fromManifest(zoo.headManifest, { mode: 'row' });
      const rows = input.toRows(zoo.heads); // [K·C, F + 1]
      const { behaviour } = config.vaeTrain;
      const queries = behaviour ? behaviourQueries(trainTasks, behaviour.queries, seeds.vaeQueries) : undefined; // [Q, F]
      // A finished state is reloaded without training (and keeps its loss curve); another config's is refused.
      const vae = config.vaeLoss === 'official' ? new OfficialLossVae(config.vae, rows.dim, seeds.vae) : new WeightVae(config.vae, rows.dim, seeds.vae);
      owned.push(vae);
      const vaeRun = trainVae(vae, rows, { ...config.vaeTrain, seed: seeds.vae },
        (p) => onProgress?.('vae', p.step, p.totalSteps, { loss: p.loss, ...(p.behaviour === null ? {} : { behaviour: p.behaviour }) }),
        { file: file(D2NWG_OUTPUTS.vaeState), every: config.vaeTrain.logEvery }, queries);
      if (!fs.existsSync(file(D2NWG_OUTPUTS.vae))) {
        if (vae instanceof OfficialLossVae) vae.save(file(D2NWG_OUTPUTS.vae));
        else saveVae(file(D2NWG_OUTPUTS.vae), vae);
      }
      const latents = encodeRows(vae, rows); // [K·C, Dz]
      assertFinite(latents.data, latents.dim, 'VAE latents of the zoo rows');
      const vaeRelativeMse = relativeMse(rows, decodeRows(vae, latents));
      timings.vae = seconds(t);

      // Stage 2: the dataset encoder, aligned to the frozen latents on one condition per zoo head (the first
      // round: more would put one latent in a contrastive batch twice, each a false negative of the other).
      t = performance.now();
      const rounds = drawConditions(trainTasks, zoo.tasks.map((task) => task.headCount), config.shots, seeds.conditions, config.conditionsPerHead); // [R·K, C, S, F]
      const conditions = taskSlice(rounds, 0, zoo.heads.count); // [K, C, S, F]
      const encoder = makeDatasetEncoder(conditions.features, config.encoder, seeds.encoder);
      owned.push(encoder);
      let alignment: AlignResult;
      if (fs.existsSync(file(D2NWG_OUTPUTS.encoder))) {
        alignment = loadEncoder(file(D2NWG_OUTPUTS.encoder), encoder);
      } else {
        alignment = alignEncoder(encoder, { conditions, latents }, { ...config.align, seed: seeds.encoder },
          (p) => onProgress?.('align', p.step, p.totalSteps, { loss: p.loss }));
        saveEncoder(file(D2NWG_OUTPUTS.encoder), encoder, alignment);
      }
      timings.align = seconds(t);

      // Stage 3: conditional and unconditional latent diffusion over the standardised row latents;
      // the conditional one sees each head's latents once per round of conditions.
      const standardizer = fitStandardizer(latents);
      const z = standardizer.apply(latents);
      const prototypes = fitStandardizer(classMeans(rounds));
      const conditionRows = conditionRowsOf(config, encoder, prototypes, rounds); // [R·K·C, Dc], aligned with the repeated latents
      const schedule = makeSchedule(config.schedule);
      // One diffusion stage: the model owns its denoiser (and EMA) once trained; a failed training frees the denoiser.
      const stage = <D extends OwnedDenoiser>(name: 'diffusion' | 'unconditional', denoiser: D, data: VectorSet | ConditionedLatents, seed: number, stateFile: string) => {
        const started = performance.now();
        let model: LatentDiffusion<D>;
        try {
          model = LatentDiffusion.train(denoiser, data, schedule, { ...config.diffusion, seed },
            (p) => onProgress?.(name, p.step, p.totalSteps, { loss: p.loss }), { file: file(stateFile), every: config.diffusion.logEvery });
        } catch (err) {
          denoiser.dispose();
          throw err;
        }
        owned.push(model);
        timings[name] = seconds(started);
        return model;
      };
      const conditional = stage('diffusion', new ConditionalLatentDenoiser(z.dim, schedule.steps, conditionRows.dim, config.denoiser, seeds.conditional),
        { latents: repeatRows(z, config.conditionsPerHead), conditions: conditionRows }, seeds.conditional, D2NWG_OUTPUTS.conditionalState);
      const unconditional = stage('unconditional', new LatentDenoiser(z.dim, schedule.steps, config.denoiser, seeds.unconditional),
        z, seeds.unconditional, D2NWG_OUTPUTS.unconditionalState);

      this.fitted = {
        zoo, input, vae, encoder, trainTasks, standardizer, prototypes, conditional, unconditional, vaeRelativeMse, alignment,
        losses: { vae: vaeRun.losses.map(({ step, loss }) => ({ step, loss })), conditional: conditional.losses, unconditional: unconditional.losses },
      };
      return this;
    } catch (err) {
      for (const d of owned.reverse()) d.dispose();
      throw err;
    }
  }

  /** The condition block [C, Dc] of one task's shots [1, C, S, F]: what generate takes (config.conditionOn). */
  conditionBlock(condition: Condition): VectorSet {
    const { encoder, prototypes } = this.trained;
    return conditionRowsOf(this.config, encoder, prototypes, condition);
  }

  /**
   * `count` heads [count, P] for one task's condition block: its condition vectors [C, Dc], class
   * by class (conditionBlock of a task's shots), with classifier-free guidance
   * options.guidance. Head i's row k is sampled under condition row k.
   */
  generate(condition: VectorSet, count: number, options: GenerateOptions): VectorSet {
    const { conditional, input } = this.trained;
    const classes = input.plan.rowsPerVector;
    if (condition.count !== classes || condition.dim !== conditional.denoiser.conditionDim) {
      throw new InputError(`a condition block must be [${classes}, ${conditional.denoiser.conditionDim}] (one condition vector per class), got [${condition.count}, ${condition.dim}]`);
    }
    // Row i·C + k of the batch is class k of head i: its condition is row k of the block.
    const rows = tf.tidy(() => tf.tile(tf.tensor2d(condition.data, [condition.count, condition.dim]), [count, 1]) as tf.Tensor2D);
    try {
      const eps = guidedEps(conditional.denoiser, rows, options.guidance);
      return this.decodeHeads(conditional.sample(count * classes, this.sampler(options.seed), { eps }).samples);
    } finally {
      rows.dispose();
    }
  }

  /** `count` heads [count, P] from the unconditional model: each of the C rows drawn independently. */
  generateUnconditional(count: number, options: Pick<GenerateOptions, 'seed'>): VectorSet {
    const { unconditional, input } = this.trained;
    return this.decodeHeads(unconditional.sample(count * input.plan.rowsPerVector, this.sampler(options.seed)).samples);
  }

  /** The task zoo the generator learned from. */
  get zoo(): TaskZoo { return this.trained.zoo; }
  /** How heads become VAE rows and back. */
  get input(): VaeInput { return this.trained.input; }
  /** The aligned, frozen dataset encoder (for conditions: embedConditions(encoder, taskCondition(…))). */
  get encoder(): DatasetEncoder { return this.trained.encoder; }
  /** Features of each training task of the zoo, in zoo order. */
  get trainTasks(): TaskFeatures[] { return this.trained.trainTasks; }
  /** VAE row reconstruction: relative MSE of the zoo's rows (1 = predicting the mean row). */
  get vaeRelativeMse(): number { return this.trained.vaeRelativeMse; }
  get alignment(): AlignResult { return this.trained.alignment; }
  /** The training losses at the log points of the VAE and of both denoisers. */
  get losses(): D2nwgLosses { return this.trained.losses; }

  /** Frees the VAE, the encoder and both diffusion models (denoisers and EMAs). */
  dispose(): void {
    const fitted = this.fitted;
    this.fitted = undefined;
    for (const part of [fitted?.unconditional, fitted?.conditional, fitted?.encoder, fitted?.vae]) part?.dispose();
  }

  private get trained(): Fitted {
    if (!this.fitted) throw new InputError('fit the pipeline first: pipeline.fit()');
    return this.fitted;
  }

  private sampler(seed: number): SamplerConfig {
    return { ...this.config.sampling.sampler, seed };
  }

  /** Sampled standardised row latents → heads. */
  private decodeHeads(sampled: VectorSet): VectorSet {
    const { input, vae, standardizer } = this.trained;
    return input.fromRows(decodeRows(vae, standardizer.invert(sampled)));
  }
}

/**
 * The denoiser's condition rows [T·C, Dc] of conditions [T, C, S, F]: row (t, k) is concat(class
 * part, dataset embedding of task t), the class part being class k's embedding ('embeddings', Dc = 2H)
 * or its standardised mean shot ('prototypes', Dc = F + H).
 */
function conditionRowsOf(config: D2nwgConfig, encoder: DatasetEncoder, prototypes: Standardizer, conditions: Condition): VectorSet {
  const embedded = embedConditions(encoder, conditions);
  if (config.conditionOn === 'embeddings') return embedded.rows;
  const means = prototypes.apply(classMeans(conditions)); // [T·C, F]
  const { dim: F } = means;
  const H = embedded.datasets.dim;
  const rows = new Float32Array(means.count * (F + H));
  for (let row = 0; row < means.count; row++) {
    rows.set(means.data.subarray(row * F, (row + 1) * F), row * (F + H));
    const task = Math.floor(row / conditions.classes);
    rows.set(embedded.datasets.data.subarray(task * H, (task + 1) * H), row * (F + H) + F);
  }
  return { count: means.count, dim: F + H, data: rows };
}

/** ‖x − y‖² over ‖x − column means of x‖²: 1 = predicting the mean row. */
function relativeMse(x: VectorSet, y: VectorSet): number {
  const { mean } = fitStandardizer(x);
  const { count, dim } = x;
  let err = 0;
  let spread = 0;
  for (let i = 0; i < count * dim; i++) {
    err += (x.data[i] - y.data[i]) ** 2;
    spread += (x.data[i] - mean[i % dim]) ** 2;
  }
  return err / spread;
}
