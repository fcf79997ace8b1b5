/**
 * Whole networks measured one by one: each row of parameters (and of BN buffers, when the network
 * has them) is written into one model instance, which then runs val, test and the probe images in
 * inference mode. Images live as tensors for the evaluator's lifetime; one number per split and
 * the probe probabilities are read back per network.
 */
import * as tf from '@tensorflow/tfjs';
import type { DataSplits, ImageDataset } from '../../data/dataset';
import { imagesTensor } from '../../models/evaluate';
import type { TaskModel } from '../../models/task-model';
import { flatten, stackVectors, unflatten } from '../../params/flatten';
import { assignNetwork, readNetwork } from '../../params/network';
import { recalibrateBatchNorm } from '../../params/recalibrate-bn';
import { rowOf } from '../../params/rows';
import type { ParamManifest, VectorSet } from '../../params/types';
import { InputError } from '../../util/errors';

/** Parameter rows and, for a network with BN, the buffer rows that go with them. */
export interface Networks {
  params: VectorSet;
  buffers: VectorSet | null;
}

export interface NetworkMeasures {
  /** Accuracy of each network in [0, 1]. */
  val: number[];
  test: number[];
  /** [M, probeImages · C] class probabilities on the first val images: the networks in function space. */
  probes: VectorSet;
}

export interface WholeEvaluatorOptions {
  probeImages: number;
  calibrationImages: number;
}

const BATCH = 1000;

export class WholeEvaluator {
  private readonly images: { val: tf.Tensor4D; test: tf.Tensor4D; probe: tf.Tensor4D; calibration: tf.Tensor4D };
  private readonly labels: { val: tf.Tensor1D; test: tf.Tensor1D };

  /** `model` is the caller's: it ends holding the last network measured. */
  constructor(
    private readonly model: TaskModel, private readonly layout: { manifest: ParamManifest; bufferManifest: ParamManifest | null },
    data: DataSplits, options: WholeEvaluatorOptions,
  ) {
    if (!(options.calibrationImages >= 1 && options.probeImages >= 1)) throw new InputError('probeImages and calibrationImages must be at least 1');
    const val = imagesTensor(data.val);
    this.images = {
      val, test: imagesTensor(data.test),
      probe: val.slice(0, Math.min(options.probeImages, data.val.labels.length)),
      calibration: firstImages(data.train, options.calibrationImages),
    };
    this.labels = { val: tf.tensor1d(data.val.labels, 'int32'), test: tf.tensor1d(data.test.labels, 'int32') };
  }

  measure(networks: Networks): NetworkMeasures {
    const { params, buffers } = networks;
    if (params.dim !== this.layout.manifest.size) throw new InputError(`networks have ${params.dim} parameters, the model ${this.layout.manifest.size}`);
    if ((buffers === null) !== (this.layout.bufferManifest === null)) throw new InputError('buffers must be given exactly when the model has them');
    const val: number[] = [];
    const test: number[] = [];
    const probes: Float32Array[] = [];
    for (let i = 0; i < params.count; i++) {
      this.load(params, buffers, i);
      val.push(this.accuracy(this.images.val, this.labels.val));
      test.push(this.accuracy(this.images.test, this.labels.test));
      probes.push(this.softmax(this.images.probe));
    }
    return { val, test, probes: stackVectors(probes) };
  }

  /** Each network's class probabilities ([n · C], row-major) on val, test and `extra` images, in inference mode. */
  probabilities(networks: Networks, extra: ImageDataset): { val: Float32Array[]; test: Float32Array[]; extra: Float32Array[] } {
    const extraImages = imagesTensor(extra);
    try {
      const out = { val: [] as Float32Array[], test: [] as Float32Array[], extra: [] as Float32Array[] };
      for (let i = 0; i < networks.params.count; i++) {
        this.load(networks.params, networks.buffers, i);
        out.val.push(this.softmax(this.images.val));
        out.test.push(this.softmax(this.images.test));
        out.extra.push(this.softmax(extraImages));
      }
      return out;
    } finally {
      extraImages.dispose();
    }
  }

  /** Inference-mode class probabilities of the loaded network, in batches (each batch's activations freed before the next). */
  private softmax(images: tf.Tensor4D): Float32Array {
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < images.shape[0]; start += BATCH) {
      const size = Math.min(BATCH, images.shape[0] - start);
      parts.push(tf.tidy(() => tf.softmax(this.model.forward(images.slice(start, size), { mode: 'eval' }))));
    }
    const all = tf.concat(parts);
    const data = all.dataSync() as Float32Array;
    tf.dispose([all, ...parts]);
    return data;
  }

  /** [M, B]: each network's BN running statistics recomputed from the calibration images (recalibrateBatchNorm). */
  recalibrate(params: VectorSet): VectorSet {
    const { bufferManifest } = this.layout;
    if (bufferManifest === null) throw new InputError(`the ${this.model.kind} model has no BN statistics to recompute`);
    const rows: Float32Array[] = [];
    for (let i = 0; i < params.count; i++) {
      this.load(params, null, i);
      recalibrateBatchNorm(this.model, this.images.calibration);
      rows.push(flatten(readNetwork(this.model).buffers).vector);
    }
    return stackVectors(rows);
  }

  dispose(): void {
    tf.dispose([...Object.values(this.images), ...Object.values(this.labels)]);
  }

  private load(params: VectorSet, buffers: VectorSet | null, i: number): void {
    const { manifest, bufferManifest } = this.layout;
    assignNetwork(this.model, {
      params: unflatten(rowOf(params, i), manifest),
      buffers: buffers && bufferManifest ? unflatten(rowOf(buffers, i), bufferManifest) : [],
    });
  }

  /** Inference-mode accuracy, in batches, one number read back. */
  private accuracy(images: tf.Tensor4D, labels: tf.Tensor1D): number {
    const n = images.shape[0];
    let correct = 0;
    for (let start = 0; start < n; start += BATCH) {
      const size = Math.min(BATCH, n - start);
      const hits = tf.tidy(() => {
        const logits = this.model.forward(images.slice(start, size), { mode: 'eval' }); // [b, C]
        return tf.equal(logits.argMax(1), labels.slice(start, size)).sum();
      });
      correct += hits.dataSync()[0];
      hits.dispose();
    }
    return n ? correct / n : 0;
  }
}

/** The first `count` images of a dataset (all of them if fewer), [n, H, W, C]. */
function firstImages(ds: ImageDataset, count: number): tf.Tensor4D {
  const n = Math.min(count, ds.labels.length);
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  return tf.tensor4d(ds.images.subarray(0, n * per), [n, ...ds.shape]);
}
