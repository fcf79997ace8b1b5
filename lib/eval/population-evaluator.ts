/** Measures populations of subset vectors on val and test, with features computed once per split. */
import * as tf from '@tensorflow/tfjs';
import type { DataSplits } from '../data/dataset';
import { computeFeatures } from './features';
import { evaluateVectors, type EvaluateVectorsOptions } from './evaluate-vectors';
import { memberProbabilities } from './member-probabilities';
import { maxIoU, wrongSet } from './novelty';
import { summarizeAccuracy } from './stats';
import { stackVectors } from '../params/flatten';
import type { VectorSet } from '../params/types';
import type { Collection } from '../zoo/collect';
import type { Population } from '../pdiff/results';

/** Val and test predictions of a population, and everything reported about it. */
export interface Measured {
  population: Population;
  testWrong: Uint8Array[];
}

/** Evaluates parameter vectors on val and test with features computed once per split. */
export class PopulationEvaluator {
  private readonly features: { val: tf.Tensor; test: tf.Tensor };

  constructor(private readonly collection: Collection, private readonly data: DataSplits, private readonly options: EvaluateVectorsOptions) {
    this.features = {
      val: computeFeatures(collection.split, data.val),
      test: computeFeatures(collection.split, data.test),
    };
  }

  measure(vectors: VectorSet, references?: Uint8Array[]): Measured {
    const { model, split, manifest } = this.collection;
    const run = (part: 'val' | 'test') =>
      evaluateVectors(model, split, manifest, vectors, this.features[part], this.data[part].labels, this.options);
    const val = run('val');
    const test = run('test');
    const testWrong = test.predictions.map((p) => wrongSet(p, this.data.test.labels));
    const population: Population = {
      summary: summarizeAccuracy(test.accuracy, val.accuracy),
      test: test.accuracy,
      val: val.accuracy,
      maxIoU: references ? maxIoU(testWrong, references) : maxIoU(testWrong, testWrong, true),
    };
    return { population, testWrong };
  }

  /**
   * Class probabilities of each vector on the first `images` val images, flattened per model:
   * [M, images · C], the coordinates of function space.
   */
  probes(vectors: VectorSet, images: number): VectorSet {
    const { model, split, manifest } = this.collection;
    const count = Math.min(images, this.data.val.labels.length);
    const probe = tf.tidy(() => this.features.val.slice(0, count));
    try {
      const outputs = memberProbabilities(model, split, manifest, vectors, probe, this.options);
      return stackVectors(outputs.members);
    } finally {
      probe.dispose();
    }
  }

  dispose(): void {
    tf.dispose([this.features.val, this.features.test]);
  }
}
