/**
 * A workaround for tfjs-backend-wasm 4.22 (and the native backend built on it): its fused kernels
 * read a tensor's rank from the record kept with its data, which a reshape does not update.
 */
import * as tf from '@tensorflow/tfjs';

/** The backend's per-data records, where it keeps one with a shape (wasm, and backends built on it). */
interface ShapedRecords {
  dataIdMap?: { get(dataId: object): { shape?: number[] } | undefined };
}

/**
 * Gives a fresh copy to every variable whose data was created with another shape. The wasm
 * backend's fused matMul and conv2d check the bias's rank on the shape recorded with its data,
 * not on the tensor's own shape, so a Dense or Conv2D bias assigned a reshaped slice
 * (`stacked.slice(m, 1).reshape([units])`, as the whole-network split and headMany do; gather and
 * squeeze reshape too) would be rejected as "rank-2 bias". Runs before every forward: a map
 * lookup per variable when nothing is stale, one copy per variable that is.
 */
export function refreshStaleShapes(variables: Iterable<tf.Variable>): void {
  const records = (tf.backend() as unknown as ShapedRecords).dataIdMap;
  if (!records || typeof records.get !== 'function') return;
  for (const v of variables) {
    const shape = records.get(v.dataId)?.shape;
    if (Array.isArray(shape) && (shape.length !== v.rank || shape.some((d, i) => d !== v.shape[i]))) {
      tf.tidy(() => v.assign(v.mul(1)));
    }
  }
}
