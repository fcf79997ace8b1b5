/**
 * BN running statistics recomputed from data. Weights that were averaged, interpolated or
 * generated do not match the running statistics they carry (Git Re-Basin resets them before
 * evaluating interpolated networks; DeepWeightFlow recomputes them after generation).
 */
import * as tf from '@tensorflow/tfjs';
import { BN_MOMENTUM } from '../models/layers';
import type { BufferUpdate, TaskModel } from '../models/task-model';
import { InputError } from '../util/errors';

/**
 * Sets every buffer the model's train-mode forward updates (running_mean, running_var) to the
 * statistics of `images` [N, H, W, C]: per batch, the layer's batch mean and unbiased variance with
 * earlier layers in train mode too (as PyTorch's reset + forward passes do), averaged over the
 * batches weighted by their size. A train-mode pass reports (1 − m)·old + m·batch, so the batch
 * statistic is recovered exactly as (update − (1 − m)·old) / m.
 */
export function recalibrateBatchNorm(model: TaskModel, images: tf.Tensor4D, batchSize = 256): void {
  const n = images.shape[0];
  if (n === 0) throw new InputError('no images to recompute BN statistics from');
  const sums = new Map<string, tf.Tensor>();
  try {
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const updates: BufferUpdate[] = [];
      tf.tidy(() => {
        model.forward(images.slice([start, 0, 0, 0], [size, -1, -1, -1]), { mode: 'train', bufferUpdates: updates });
      });
      try {
        for (const { name, value } of updates) {
          const old = model.buffers.get(name);
          if (old === undefined) throw new InputError(`the ${model.kind} model updates "${name}", which is not one of its buffers`);
          const sum = tf.tidy(() => {
            const batch = value.sub(old.mul(1 - BN_MOMENTUM)).div(BN_MOMENTUM).mul(size / n);
            const previous = sums.get(name);
            return previous === undefined ? batch : previous.add(batch);
          });
          sums.get(name)?.dispose();
          sums.set(name, sum);
        }
      } finally {
        tf.dispose(updates.map((u) => u.value));
      }
    }
    for (const [name, sum] of sums) model.buffers.get(name)!.assign(sum);
  } finally {
    tf.dispose([...sums.values()]);
  }
}
