// A p-diff setting small enough for tests: 12×12 class blobs and the standard recipe shrunk to seconds.
import type { DataSplits, ImageDataset } from '../../lib/data/dataset';
import { PopulationEvaluator } from '../../lib/eval';
import { createModel } from '../../lib/models';
import { PDiffPipeline, pdiffSeeds, preset, type PdiffConfig } from '../../lib/pdiff';
import { Rng } from '../../lib/util/rng';

/** n 12×12 images whose class c lights up band c of the pixels, plus noise. */
export function blobs(n: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: n }, () => rng.int(10));
  const images = new Float32Array(n * 144);
  labels.forEach((c, i) => {
    for (let p = 0; p < 144; p++) images[i * 144 + p] = rng.normal() * 0.5 + (Math.floor(p / 14.4) === c ? 1.5 : 0);
  });
  return { name: 'blobs', images, labels, shape: [12, 12, 1], numClasses: 10 };
}

export const tinyData: DataSplits = { train: blobs(160, 1), val: blobs(40, 2), test: blobs(40, 3) };

const standard = preset('standard');

/**
 * Every stage of the standard recipe runs, on tiny shapes (K = 6, of which 2 held out for the
 * audit, 30 AE and DDPM steps, 10 DDIM steps, 8 generated). The kill test (resumable-run.ts) depends on these step counts.
 */
export const tinyConfig: PdiffConfig = {
  ...standard,
  preset: 'tiny',
  collect: { ...standard.collect, train: { ...standard.collect.train, epochs: 4, batchSize: 16 }, finetuneBatchSize: 16, snapshots: 6, saveEvery: 3 },
  autoencoderTrain: { ...standard.autoencoderTrain, steps: 30, logEvery: 10 },
  schedule: { ...standard.schedule, steps: 100 },
  denoiser: { channels: [8, 16] },
  diffusionTrain: { ...standard.diffusionTrain, steps: 30, logEvery: 10 },
  sampler: { ...standard.sampler, kind: 'ddim', steps: 10 },
  generated: 8,
  noiseSigmas: [0.01],
  seeds: { ...standard.seeds, members: 6, epochs: 1 },
  // Members 2 and 5 held out: 4 train the generator.
  audit: { ...standard.audit, holdOutEvery: 3, probeImages: 20, frontSigmas: [0.01, 0.3], interpolations: 8, cells: 2 },
};

/** The tiny config's pipeline, collected and fitted in `outDir`, with an evaluator of its populations. */
export function fittedTinyPipeline(outDir: string, config: PdiffConfig = tinyConfig) {
  const model = createModel(config.collect.model, pdiffSeeds(config.seed).init);
  const pipeline = new PDiffPipeline(config, { outDir });
  pipeline.collect(model, tinyData);
  pipeline.fit();
  const evaluator = new PopulationEvaluator(pipeline.collection, tinyData, config.evaluation);
  return {
    pipeline, model, evaluator,
    dispose() {
      evaluator.dispose();
      pipeline.dispose();
      model.dispose();
    },
  };
}
