/**
 * BEND with whole networks as members: the generated networks of a whole-network run
 * (pdiff.whole: a seeds zoo of full networks, weight matching, flow matching, BN statistics
 * recomputed), ensembled against the zoo itself. The zoo's N members are independently trained
 * full networks, so the zoo ensemble is a deep ensemble, and the "deep ensemble (full networks)"
 * row is its first `deepEnsemble.size` members. Baselines as for subsets: the aligned zoo's
 * weight average (its BN statistics recomputed) and noise-added copies of the members.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataSplits, ImageDataset } from '../data/dataset';
import { weightAverage } from '../eval/baselines';
import { firstOf, memberOutputs, type EvalOutputs } from '../ensemble/outputs';
import { createModel } from '../models/registry';
import { flatten, stackVectors } from '../params/flatten';
import { permutationSpecFor } from '../params/permutation-spec';
import { alignWholeZoo } from '../pdiff/whole/align';
import { WholeEvaluator, type Networks } from '../pdiff/whole/evaluate';
import { GENERATED_TORCH_FILE } from '../pdiff/whole/generated-file';
import { ALIGNED_DIR, runWhole, WHOLE_ZOO_DIR } from '../pdiff/whole/run';
import { wholePreset, type WholeConfig } from '../pdiff/whole/config';
import { loadWholeSeeds } from '../zoo/whole-seeds';
import { readTorchZoo } from '../zoo/torch';
import { torchZooToVectors } from '../zoo/torch-vectors';
import type { ProgressFn } from '../util/progress';
import { seconds } from '../util/timing';
import { bendSeeds, defaultBendOptions, type BendConfig } from './config';
import { oodImagesFor } from './ood-data';
import { noiseCopies } from './populations';
import type { BendResults } from './results';
import { scoreBend } from './scores';

/** BEND's options (M_max is the whole run's `generated`) over a whole-network run. */
export type WholeBendConfig = Omit<BendConfig, 'pdiff' | 'members'> & { whole: WholeConfig };

/** A whole-network preset (`whole-smoke`, `whole-quick`, `whole`) with BEND's defaults, sizes cut to its M_max. */
export function wholeBendPreset(name: string, seed = 0): WholeBendConfig {
  const whole = wholePreset(name, seed);
  const m = whole.generated;
  const upTo = (sizes: number[]) => [...new Set([...sizes.filter((s) => s < m), m])];
  const { members: _members, ...options } = structuredClone(defaultBendOptions);
  return {
    ...options, whole,
    ensembleSizes: upTo(options.ensembleSizes), calibrationSizes: upTo(options.calibrationSizes),
    topKGrid: options.topKGrid.filter((k) => k < m), deepEnsemble: { ...options.deepEnsemble, size: Math.min(options.deepEnsemble.size, whole.zoo.members) },
  };
}

export interface WholeBendOptions {
  outDir: string;
  ood?: ImageDataset;
  onProgress?: ProgressFn;
}

/** Runs (or reloads) the whole-network run in `outDir`, then scores BEND over its generated networks. */
export function runWholeBend(config: WholeBendConfig, data: DataSplits, options: WholeBendOptions): BendResults {
  const started = performance.now();
  const { whole } = config;
  const ood = options.ood ?? oodImagesFor(whole.dataset, whole.seed, config.ood.images);
  const run = runWhole(whole, data, { outDir: options.outDir, onProgress: options.onProgress });
  const zooDir = path.join(options.outDir, WHOLE_ZOO_DIR);
  const zoo = loadWholeSeeds(zooDir);
  const model = createModel(whole.model, 0); // a container for each network measured
  const evaluator = new WholeEvaluator(model, zoo, data, { probeImages: 1, calibrationImages: whole.calibrationImages });
  try {
    const generated = readGenerated(path.join(options.outDir, GENERATED_TORCH_FILE), model);
    const t = performance.now();
    const aligned = alignWholeZoo(zoo, permutationSpecFor(model), { ...whole.alignment, seed: whole.zoo.seed }, path.join(zooDir, ALIGNED_DIR));
    const average = weightAverage(aligned.params);
    const averaged: Networks = { params: average, buffers: aligned.buffers && evaluator.recalibrate(average) };
    const baselineSeconds = seconds(t);
    const m = generated.params.count;
    const noise = config.noiseSigmas.map((sigma, i) => {
      const made = performance.now();
      const copies: Networks = {
        params: noiseCopies(zoo.params, m, sigma, bendSeeds(whole.seed).noiseCopies(i)),
        buffers: zoo.buffers && noiseCopies(zoo.buffers, m, 0, 0), // member m mod N's own statistics
      };
      return { sigma, copies, seconds: seconds(made) };
    });
    const classes = data.train.numClasses;
    const outputsOf = (networks: Networks): EvalOutputs => {
      const p = evaluator.probabilities(networks, ood);
      return { val: memberOutputs(classes, p.val), test: memberOutputs(classes, p.test), ood: memberOutputs(classes, p.extra) };
    };
    let evaluated = performance.now();
    const generatedOutputs = outputsOf(generated);
    const evaluateGenerated = seconds(evaluated);
    evaluated = performance.now();
    const zooOutputs = outputsOf({ params: zoo.params, buffers: zoo.buffers });
    const evaluateZoo = seconds(evaluated);
    const d = config.deepEnsemble.size;
    const n = zoo.params.count;
    const zooSeconds = run.timings.zoo;
    // The generator's cost: aligning the zoo and training the flow (or DDPM); the zoo's stage seconds are what this run spent (a reloaded zoo costs its reload only).
    const generatorSeconds = run.timings.align + run.timings.generator;
    const costs = {
      zoo: zooSeconds, generator: generatorSeconds, sample: run.timings.generate,
      noise: noise.map((c) => c.seconds + baselineSeconds / config.noiseSigmas.length), deepEnsemble: (zooSeconds * d) / n,
    };
    const outputs = {
      generated: generatedOutputs, zoo: zooOutputs, weightAverage: outputsOf(averaged),
      noise: noise.map((c) => ({ sigma: c.sigma, outputs: outputsOf(c.copies) })), deepEnsemble: firstOf(zooOutputs, d),
    };
    const scores = scoreBend(outputs, { val: data.val.labels, test: data.test.labels }, costs, 'seeds', { ...config, members: m });
    return {
      experiment: 'bend',
      preset: whole.preset,
      seed: whole.seed,
      backend: tf.getBackend(),
      dataset: whole.dataset,
      subset: { patterns: ['**'], layers: zoo.manifest.entries.map((e) => e.name), size: zoo.manifest.size },
      zoo: { recipe: 'seeds', members: n, training: run.zoo.training, heldOut: run.zoo.heldOut },
      ood: { dataset: ood.name, images: ood.labels.length, inDistribution: data.test.labels.length },
      ...scores,
      cost: {
        // BEND's cost fields name p-diff's stages: here 'diffusion' holds alignment + the whole-network generator, 'autoencoder' nothing.
        bend: { collect: zooSeconds, autoencoder: 0, diffusion: generatorSeconds, sample: run.timings.generate, total: zooSeconds + generatorSeconds + run.timings.generate },
        noise: noise.map((c) => ({ sigma: c.sigma, seconds: c.seconds })),
        deepEnsemble: { train: [], total: costs.deepEnsemble },
        evaluate: { bend: evaluateGenerated, deepEnsemble: (evaluateZoo * d) / n },
        resumedStages: [],
      },
      timings: { total: seconds(started) },
      config: config as unknown as Record<string, unknown>,
    };
  } finally {
    evaluator.dispose();
    model.dispose();
  }
}

/** The generated networks a whole run wrote, as parameter and buffer rows in the model's order. */
function readGenerated(file: string, model: ReturnType<typeof createModel>): Networks {
  const vectors = torchZooToVectors(readTorchZoo(file, model));
  const buffers = vectors.buffers[0]?.length ? stackVectors(vectors.buffers.map((b) => flatten(b).vector)) : null;
  return { params: vectors.set, buffers };
}
