/**
 * D2NWG's generator, trained stage by stage in a run directory (each stage resumes or reloads):
 * the task zoo → a beta-VAE over head rows (one row per class: [W_k, b_k]) → a dataset encoder
 * aligned to the frozen row latents by a CLIP loss, then frozen → a conditional latent denoiser
 * over the standardised row latents (condition of row k: concat(class_k, dataset)) with condition
 * dropout for classifier-free guidance, and an unconditional denoiser over the same latents as
 * the baseline. Generating a head = sampling one latent per class of the condition, decoding the
 * rows and assembling them in the condition's class order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { VaeInput } from '../vae/input';
import { WeightVae } from '../vae/model';
import { decodeRows, encodeRows, trainVae } from '../vae/train';
import { saveVae } from '../vae/io';
import { alignEncoder, makeDatasetEncoder, type AlignResult, type DatasetEncoder } from '../conditioning';
import { ConditionalLatentDenoiser } from '../diffusion/conditional';
import { guidedEps } from '../diffusion/guidance';
import { LatentDenoiser } from '../diffusion/denoiser';
import { sample } from '../diffusion/samplers';
import { makeSchedule } from '../diffusion/schedule';
import { trainDiffusion, type DiffusionTrainResult } from '../diffusion/train';
import type { Denoiser } from '../diffusion/types';
import type { VectorSet } from '../params/types';
import { assertFinite } from '../util/finite';
import { drawConditions, embedConditions } from './conditions';
import type { D2nwgConfig } from './config';
import { loadEncoder, saveEncoder } from './encoder-io';
import { taskFeatures, type TaskFeatures } from './features';
import type { TaskSources } from './task-zoo/extractor';
import { buildTaskZoo, type TaskZoo } from './task-zoo/build';
import { fitStandardizer } from './standardize';
import type { ProgressFn } from '../util/progress';
import { D2NWG_OUTPUTS } from '../util/run-dir';

const {
  taskZoo: TASK_ZOO_DIR, vae: VAE_FILE, vaeState: VAE_STATE_FILE, encoder: ENCODER_FILE,
  conditionalState: CONDITIONAL_STATE_FILE, unconditionalState: UNCONDITIONAL_STATE_FILE,
} = D2NWG_OUTPUTS;

const seconds = (since: number) => (performance.now() - since) / 1000;

export interface D2nwgTimings { zoo: number; vae: number; align: number; diffusion: number; unconditional: number }

export interface D2nwgGenerator {
  zoo: TaskZoo;
  input: VaeInput;
  encoder: DatasetEncoder;
  /** Features of each training task of the zoo, in zoo order. */
  trainTasks: TaskFeatures[];
  /** VAE row reconstruction: relative MSE of the zoo's rows (1 = predicting the mean row). */
  vaeRelativeMse: number;
  alignment: AlignResult;
  losses: { vae: { step: number; loss: number }[]; conditional: DiffusionTrainResult['losses']; unconditional: DiffusionTrainResult['losses'] };
  timings: D2nwgTimings;
  /** `count` heads per condition-vector block: rows [C, 2H] → heads [count, P]; sampled with `seed`. */
  sampleHeads(conditionRows: VectorSet, count: number, seed: number): VectorSet;
  /** `count` heads from the unconditional denoiser: each of the C rows drawn independently. */
  sampleUnconditionalHeads(count: number, seed: number): VectorSet;
  dispose(): void;
}

/** Trains (or reloads) every stage of `config` in `outDir`; `sources` as in buildTaskZoo (default: the real datasets). */
export function trainD2nwg(config: D2nwgConfig, outDir: string, onProgress?: ProgressFn, sources?: TaskSources): D2nwgGenerator {
  const { seed } = config;
  const file = (name: string) => path.join(outDir, name);
  const timings: D2nwgTimings = { zoo: 0, vae: 0, align: 0, diffusion: 0, unconditional: 0 };
  let t = performance.now();
  const zoo = buildTaskZoo(config.zoo, file(TASK_ZOO_DIR), onProgress, sources);
  timings.zoo = seconds(t);
  const owned: { dispose(): void }[] = [];
  try {
    // Stage 1: the VAE over head rows.
    t = performance.now();
    const input = VaeInput.fromManifest(zoo.headManifest, { mode: 'row' });
    const rows = input.toRows(zoo.heads); // [K·C, F + 1]
    // A finished state is reloaded without training (and keeps its loss curve); another config's is refused.
    const vae = new WeightVae(config.vae, rows.dim, seed + 1);
    owned.push(vae);
    const vaeRun = trainVae(vae, rows, { ...config.vaeTrain, seed: seed + 1 }, (p) => onProgress?.('vae', p.step, p.totalSteps, { loss: p.loss }),
      { file: file(VAE_STATE_FILE), every: config.vaeTrain.logEvery });
    const vaeLosses = vaeRun.losses.map(({ step, loss }) => ({ step, loss }));
    if (!fs.existsSync(file(VAE_FILE))) saveVae(file(VAE_FILE), vae);
    const latents = encodeRows(vae, rows); // [K·C, Dz]
    assertFinite(latents.data, latents.dim, 'VAE latents of the zoo rows');
    const vaeRelativeMse = relativeMse(rows, decodeRows(vae, latents));
    timings.vae = seconds(t);

    // Stage 2: the dataset encoder, aligned to the frozen latents (one condition per zoo head).
    t = performance.now();
    const trainTasks = zoo.tasks.map((task) => taskFeatures(zoo.features, task.spec));
    const headCounts = zoo.tasks.map((task) => task.headCount);
    const conditions = drawConditions(trainTasks, headCounts, config.shots, seed + 2); // [K, C, S, F]
    const encoder = makeDatasetEncoder(conditions.features, config.encoder, seed + 3);
    owned.push(encoder);
    let alignment: AlignResult;
    if (fs.existsSync(file(ENCODER_FILE))) {
      alignment = loadEncoder(file(ENCODER_FILE), encoder);
    } else {
      alignment = alignEncoder(encoder, { conditions, latents }, { ...config.align, seed: seed + 3 },
        (p) => onProgress?.('align', p.step, p.totalSteps, { loss: p.loss }));
      saveEncoder(file(ENCODER_FILE), encoder, alignment);
    }
    timings.align = seconds(t);

    // Stage 3: conditional and unconditional latent diffusion over the standardised row latents.
    const standardizer = fitStandardizer(latents);
    const z = standardizer.apply(latents);
    const conditionRows = embedConditions(encoder, conditions).rows; // [K·C, 2H], aligned with the latents
    const schedule = makeSchedule(config.schedule);
    t = performance.now();
    const conditional = new ConditionalLatentDenoiser(z.dim, schedule.steps, conditionRows.dim, config.denoiser, seed + 4);
    owned.push(conditional);
    const condRun = trainDiffusion(conditional, { latents: z, conditions: conditionRows }, schedule, { ...config.diffusion, seed: seed + 4 },
      (p) => onProgress?.('diffusion', p.step, p.totalSteps, { loss: p.loss }), { file: file(CONDITIONAL_STATE_FILE), every: config.diffusion.logEvery });
    if (condRun.ema) owned.push(condRun.ema);
    timings.diffusion = seconds(t);
    t = performance.now();
    const unconditional = new LatentDenoiser(z.dim, schedule.steps, config.denoiser, seed + 5);
    owned.push(unconditional);
    const uncondRun = trainDiffusion(unconditional, z, schedule, { ...config.diffusion, seed: seed + 5 },
      (p) => onProgress?.('unconditional', p.step, p.totalSteps, { loss: p.loss }), { file: file(UNCONDITIONAL_STATE_FILE), every: config.diffusion.logEvery });
    if (uncondRun.ema) owned.push(uncondRun.ema);
    timings.unconditional = seconds(t);

    const classes = input.plan.rowsPerVector;
    const decodeHeads = (sampled: VectorSet): VectorSet => input.fromRows(decodeRows(vae, standardizer.invert(sampled)));
    const draw = (denoiser: Denoiser, run: DiffusionTrainResult, eps: Parameters<typeof sample>[0], count: number, sampleSeed: number) => {
      const go = () => sample(eps, [count, z.dim], schedule, { ...config.sampling.sampler, seed: sampleSeed }).samples;
      const samples = run.ema ? run.ema.withAveraged(denoiser.params, go) : go();
      assertFinite(samples.data, samples.dim, 'sampled latents');
      return samples;
    };
    return {
      zoo, input, encoder, trainTasks, vaeRelativeMse, alignment, timings,
      losses: { vae: vaeLosses, conditional: condRun.losses, unconditional: uncondRun.losses },
      sampleHeads(block, count, sampleSeed) {
        // Row i·C + k of the batch is class k of head i: its condition is row k of the block.
        const condition = tf.tidy(() => tf.tile(tf.tensor2d(block.data, [block.count, block.dim]), [count, 1]) as tf.Tensor2D);
        try {
          const eps = guidedEps(conditional, condition, config.sampling.guidance);
          return decodeHeads(draw(conditional, condRun, eps, count * block.count, sampleSeed));
        } finally {
          condition.dispose();
        }
      },
      sampleUnconditionalHeads(count, sampleSeed) {
        const eps = (x: tf.Tensor2D, ts: Int32Array) => unconditional.predict(x, ts);
        return decodeHeads(draw(unconditional, uncondRun, eps, count * classes, sampleSeed));
      },
      dispose: () => { for (const d of owned.reverse()) d.dispose(); },
    };
  } catch (err) {
    for (const d of owned.reverse()) d.dispose();
    throw err;
  }
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
