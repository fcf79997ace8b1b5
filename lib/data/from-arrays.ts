/**
 * The user's own data as an ImageDataset: images from any array or tensor, checked before any
 * work (length against the shape, finite pixels, integer labels in range), so a bad input fails
 * with a message naming the problem instead of deep inside training.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import type { DataSplits, ImageDataset } from './dataset';

export interface ImageArrays {
  /** [N, H, W, C] normalised pixels: a flat array (with `shape`) or a 4-D tensor. */
  images: Float32Array | number[] | tf.Tensor4D;
  /** [N] class indices: an array or a 1-D tensor. */
  labels: Int32Array | number[] | tf.Tensor1D;
  /** [H, W, C] of one image; read from the tensor when `images` is one. */
  shape?: [number, number, number];
  /** Default: the largest label + 1. */
  numClasses?: number;
  /** Default 'user'. */
  name?: string;
}

export function imageDataset(arrays: ImageArrays): ImageDataset {
  const name = arrays.name ?? 'user';
  const shape = arrays.images instanceof tf.Tensor ? arrays.images.shape.slice(1) as [number, number, number] : arrays.shape;
  if (!shape || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new InputError(`${name}: images need their [H, W, C] shape (got ${JSON.stringify(shape)})`);
  }
  const images = arrays.images instanceof tf.Tensor ? arrays.images.dataSync() as Float32Array : Float32Array.from(arrays.images);
  const rawLabels: ArrayLike<number> = arrays.labels instanceof tf.Tensor ? arrays.labels.dataSync() : arrays.labels;
  const labels = Int32Array.from(rawLabels);
  const perImage = shape[0] * shape[1] * shape[2];
  if (images.length !== labels.length * perImage) {
    throw new InputError(`${name}: ${labels.length} labels need ${labels.length} × ${perImage} pixel values ([${shape}] each), got ${images.length}`);
  }
  const bad = images.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InputError(`${name}: pixel ${bad % perImage} of image ${Math.floor(bad / perImage)} is ${images[bad]}`);
  const numClasses = arrays.numClasses ?? labels.reduce((max, c) => Math.max(max, c), 0) + 1;
  for (let i = 0; i < rawLabels.length; i++) {
    const c = rawLabels[i];
    if (!(Number.isInteger(c) && c >= 0 && c < numClasses)) throw new InputError(`${name}: label ${i} is ${c}, not a class index in [0, ${numClasses})`);
  }
  return { name, images, labels, shape, numClasses };
}

/** Train / val / test from the user's arrays; the three must agree on image shape and classes. */
export function dataSplits(splits: Record<keyof DataSplits, ImageArrays>): DataSplits {
  const [train, val, test] = (['train', 'val', 'test'] as const).map((part) => imageDataset({ name: part, ...splits[part] }));
  const numClasses = Math.max(train.numClasses, val.numClasses, test.numClasses);
  for (const ds of [val, test]) {
    if (ds.shape.join() !== train.shape.join()) throw new InputError(`${ds.name} images are [${ds.shape}], train images [${train.shape}]`);
  }
  return { train: { ...train, numClasses }, val: { ...val, numClasses }, test: { ...test, numClasses } };
}
