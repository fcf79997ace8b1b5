/**
 * BEND as one object: a p-diff generator (collected, fitted and resumable in `outDir` exactly as a
 * p-diff run of the same preset and seed) whose generated models are the members of an ensemble.
 * `members` samples them; `outputs` gives the class probabilities of any populations of subset
 * vectors (generated members, the zoo, baselines) on val, test and OOD images, with the frozen
 * features computed once per part.
 */
import type { DataSplits, ImageDataset } from '../data/dataset';
import type { EvalOutputs, MemberOutputs } from '../ensemble/outputs';
import { computeFeatures } from '../eval/features';
import type { EvaluateVectorsOptions } from '../eval/evaluate-vectors';
import { memberProbabilities } from '../eval/member-probabilities';
import type { TaskModel } from '../models/task-model';
import type { VectorSet } from '../params/types';
import { seconds } from '../util/timing';
import { pdiffSeeds, type PdiffConfig } from '../pdiff/config';
import { PDiffPipeline, type CollectOptions, type PDiffPipelineOptions } from '../pdiff/pipeline';

export interface PopulationOutputs<P extends string> {
  outputs: Record<P, EvalOutputs>;
  /** Wall seconds of the frozen features (val, test and OOD, once) and of each population's heads. */
  seconds: { features: number; heads: Record<P, number> };
}

const PARTS = ['val', 'test', 'ood'] as const;

export class BendPipeline {
  readonly generator: PDiffPipeline;

  constructor(config: PdiffConfig, options: PDiffPipelineOptions) {
    this.generator = new PDiffPipeline(config, options);
  }

  /** Collects the zoo of `model` (the config's recipe) and fits the generator on its training members (both resumable). */
  fit(model: TaskModel, data: DataSplits, options?: CollectOptions): this {
    this.generator.collect(model, data, options);
    this.generator.fit();
    return this;
  }

  /** `count` generated members, [count, D], drawn with the run's sampling seed (the p-diff runner's). */
  members(count: number, seed = pdiffSeeds(this.generator.config.seed).sampling): VectorSet {
    return this.generator.generate(count, { seed });
  }

  /** Class probabilities of each population of subset vectors on val, test and `ood`; one part's features are held at a time. */
  outputs<P extends string>(populations: Record<P, VectorSet>, data: DataSplits, ood: ImageDataset, options: EvaluateVectorsOptions): PopulationOutputs<P> {
    const { model, split, manifest } = this.generator.collection;
    const names = Object.keys(populations) as P[];
    const images: Record<(typeof PARTS)[number], ImageDataset> = { val: data.val, test: data.test, ood };
    const parts = new Map<P, Partial<Record<(typeof PARTS)[number], MemberOutputs>>>(names.map((n) => [n, {}]));
    const heads = Object.fromEntries(names.map((n) => [n, 0])) as Record<P, number>;
    let features = 0;
    for (const part of PARTS) {
      let t = performance.now();
      const x = computeFeatures(split, images[part]);
      features += seconds(t);
      try {
        for (const name of names) {
          t = performance.now();
          parts.get(name)![part] = memberProbabilities(model, split, manifest, populations[name], x, options);
          heads[name] += seconds(t);
        }
      } finally {
        x.dispose();
      }
    }
    const outputs = Object.fromEntries(names.map((n) => [n, parts.get(n) as EvalOutputs])) as Record<P, EvalOutputs>;
    return { outputs, seconds: { features, heads } };
  }

  dispose(): void {
    this.generator.dispose();
  }
}
