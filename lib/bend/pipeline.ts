/**
 * BEND as one object: a p-diff generator (collected, fitted and resumable in `outDir` exactly as a
 * p-diff run of the same preset and seed) whose generated models are the members of an ensemble.
 * `members` samples them; `outputs` gives their class probabilities, and the originals', on val
 * and test, with the frozen features computed once per split.
 */
import type { DataSplits } from '../data/dataset';
import type { SplitOutputs } from '../ensemble/outputs';
import { computeFeatures } from '../eval/features';
import type { EvaluateVectorsOptions } from '../eval/evaluate-vectors';
import { memberProbabilities } from '../eval/member-probabilities';
import type { TaskModel } from '../models/task-model';
import type { VectorSet } from '../params/types';
import { seconds } from '../util/timing';
import type { Collection } from '../zoo/collect';
import { pdiffSeeds, type PdiffConfig } from '../pdiff/config';
import { PDiffPipeline, type CollectOptions, type PDiffPipelineOptions } from '../pdiff/pipeline';

export interface MemberOutputsOnSplits {
  generated: SplitOutputs;
  originals: SplitOutputs;
  /** What BEND's own inference costs: features + the generated members' heads, val and test. */
  generatedSeconds: number;
}

export class BendPipeline {
  readonly generator: PDiffPipeline;

  constructor(config: PdiffConfig, options: PDiffPipelineOptions) {
    this.generator = new PDiffPipeline(config, options);
  }

  /** Collects the zoo of `model` and fits the generator (both resumable). */
  fit(model: TaskModel, data: DataSplits, options?: CollectOptions): this {
    this.generator.collect(model, data, options);
    this.generator.fit();
    return this;
  }

  /** `count` generated members, [count, D], drawn with the run's sampling seed (the p-diff runner's). */
  members(count: number, seed = pdiffSeeds(this.generator.config.seed).sampling): VectorSet {
    return this.generator.generate(count, { seed });
  }

  /** Class probabilities of `generated` and of the originals on val and test; one split's features are held at a time. */
  outputs(generated: VectorSet, data: DataSplits, options: EvaluateVectorsOptions): MemberOutputsOnSplits {
    const collection: Collection = this.generator.collection;
    const { model, split, manifest, snapshots } = collection;
    const on = (part: 'val' | 'test') => {
      const t = performance.now();
      const features = computeFeatures(split, data[part]);
      try {
        const gen = memberProbabilities(model, split, manifest, generated, features, options);
        const generatedSeconds = seconds(t);
        return { gen, generatedSeconds, orig: memberProbabilities(model, split, manifest, snapshots, features, options) };
      } finally {
        features.dispose();
      }
    };
    const val = on('val');
    const test = on('test');
    return {
      generated: { val: val.gen, test: test.gen },
      originals: { val: val.orig, test: test.orig },
      generatedSeconds: val.generatedSeconds + test.generatedSeconds,
    };
  }

  dispose(): void {
    this.generator.dispose();
  }
}
