/**
 * D2NWG's protocol end to end: fit (or reload) the pipeline in `outDir` (task zoo, VAE, aligned
 * dataset encoder, conditional and unconditional diffusion), make the run's choices on training
 * tasks (selection.ts), then run the held-out protocol and summarise it. Everything is seeded from
 * config.seed (see d2nwgSeeds); no choice reads a held-out task's val or test split. The choices and
 * each held-out task's result are kept as they finish (protocol-store.ts), so a stopped run resumes.
 */
import * as tf from '@tensorflow/tfjs';
import { mean } from '../eval/stats';
import type { ProgressFn } from '../util/progress';
import { seconds } from '../util/timing';
import type { D2nwgConfig } from './config';
import { evaluateHeldOut } from './evaluate';
import { D2nwgPipeline } from './pipeline';
import { ProtocolStore } from './protocol-store';
import { summarize, summarizeByNovelty, type D2nwgResults } from './results';
import { chooseOnTrainingTasks } from './selection';
import type { TaskSources } from './task-zoo/extractor';

export interface RunOptions {
  /** The run directory: every stage's state, resumable; pinned to the config (run.json), another config is refused. */
  outDir: string;
  onProgress?: ProgressFn;
  /** Replaces the real datasets of the task zoo (tests pass small synthetic ones). */
  sources?: TaskSources;
}

export function run(config: D2nwgConfig, options: RunOptions): D2nwgResults {
  const started = performance.now();
  const pipeline = new D2nwgPipeline(config, options);
  try {
    pipeline.fit();
    let t = performance.now();
    const store = new ProtocolStore(options.outDir);
    const selection = store.choices(() => chooseOnTrainingTasks(pipeline, options.onProgress));
    const select = seconds(t);
    t = performance.now();
    const tasks = evaluateHeldOut(pipeline, selection, options.onProgress, store);
    const evaluate = seconds(t);
    const { zoo, alignment } = pipeline;
    return {
      experiment: 'd2nwg',
      preset: config.preset,
      seed: config.seed,
      backend: tf.getBackend(),
      zoo: {
        trainTasks: zoo.tasks.length,
        heads: zoo.heads.count,
        heldOutTasks: tasks.length,
        extractorValAccuracy: zoo.extractor.valAccuracy,
        meanHeadValAccuracy: mean(zoo.tasks.flatMap((task) => task.valAccuracy)),
        unseenClasses: zoo.plan.unseenClasses,
      },
      vae: { relativeMse: pipeline.vaeRelativeMse, latentDim: config.vae.latentDim },
      alignment: { accuracy: alignment.accuracy, chance: alignment.chance, temperature: alignment.temperature, seconds: alignment.seconds },
      selection,
      summary: { all: summarize(tasks), byNovelty: summarizeByNovelty(tasks) },
      tasks,
      losses: pipeline.losses,
      timings: { ...pipeline.timings, select, evaluate, total: seconds(started) },
      config: config as unknown as Record<string, unknown>,
    };
  } finally {
    pipeline.dispose();
  }
}
