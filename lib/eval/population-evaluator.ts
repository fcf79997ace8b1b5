/** Measures populations of subset vectors on val and test, with features computed once per split. */
import * as tf from '@tensorflow/tfjs';
import type { DataSplits } from '../data/dataset';
import { computeFeatures } from './features';
import { evaluateVectors, type EvaluateVectorsOptions } from './evaluate-vectors';
import { maxIoU, wrongSet } from './novelty';
import { summarizeAccuracy } from './stats';
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

  dispose(): void {
    tf.dispose([this.features.val, this.features.test]);
  }
}
