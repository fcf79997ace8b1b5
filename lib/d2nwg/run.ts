/**
 * D2NWG end to end: train (or reload) the generator in `outDir` (task zoo, VAE, aligned dataset
 * encoder, conditional and unconditional diffusion), then run the held-out protocol and
 * summarise it. Everything is seeded from config.seed; selection uses val splits only.
 */
import { mean } from '../eval/stats';
import type { D2nwgConfig } from './config';
import { checkD2nwgConfig } from './config';
import { evaluateHeldOut } from './evaluate';
import type { TaskSources } from './task-zoo/extractor';
import { trainD2nwg } from './pipeline';
import { summarize, summarizeByNovelty, type D2nwgResults } from './results';
import type { ProgressFn } from '../util/progress';
import { claimRunDir } from '../util/run-dir';

/** `sources` replaces the real datasets of the task zoo (tests pass small synthetic ones). */
export function runD2nwg(config: D2nwgConfig, outDir: string, backend: string, onProgress?: ProgressFn, sources?: TaskSources): D2nwgResults {
  checkD2nwgConfig(config);
  // Every stage reloads what the directory holds: pin the directory to this config first.
  claimRunDir(outDir, config as unknown as Record<string, unknown>);
  const started = performance.now();
  const gen = trainD2nwg(config, outDir, onProgress, sources);
  try {
    const t = performance.now();
    const tasks = evaluateHeldOut(gen, config, onProgress);
    const evaluate = (performance.now() - t) / 1000;
    const { zoo, alignment } = gen;
    return {
      experiment: 'd2nwg',
      preset: config.preset,
      seed: config.seed,
      backend,
      zoo: {
        trainTasks: zoo.tasks.length,
        heads: zoo.heads.count,
        heldOutTasks: tasks.length,
        extractorValAccuracy: zoo.extractor.valAccuracy,
        meanHeadValAccuracy: mean(zoo.tasks.flatMap((task) => task.valAccuracy)),
      },
      vae: { relativeMse: gen.vaeRelativeMse, latentDim: config.vae.latentDim },
      alignment: { accuracy: alignment.accuracy, chance: alignment.chance, temperature: alignment.temperature, seconds: alignment.seconds },
      summary: { all: summarize(tasks), byNovelty: summarizeByNovelty(tasks) },
      tasks,
      losses: gen.losses,
      timings: { ...gen.timings, evaluate, total: (performance.now() - started) / 1000 },
      config: config as unknown as Record<string, unknown>,
    };
  } finally {
    gen.dispose();
  }
}
