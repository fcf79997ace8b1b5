/** An in-memory image classification dataset, images already normalised, channels last. */
export interface ImageDataset {
  /** Human-readable origin, e.g. 'fashion-mnist/train'. */
  name: string;
  /** [N, H, W, C] row-major, normalised float32 pixels. */
  images: Float32Array;
  /** [N] class indices in [0, numClasses). */
  labels: Int32Array;
  /** [H, W, C] of one image. */
  shape: [number, number, number];
  numClasses: number;
}

/** Train / val / test parts of a dataset; selection uses val, test is only reported. */
export interface DataSplits {
  train: ImageDataset;
  val: ImageDataset;
  test: ImageDataset;
}

export function datasetSize(ds: ImageDataset): number {
  return ds.labels.length;
}

/** Float32 values per image: H * W * C. */
export function valuesPerImage(ds: ImageDataset): number {
  return ds.shape[0] * ds.shape[1] * ds.shape[2];
}
