import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError } from '../util/errors';
import { readFileBytes } from '../util/read-file';
import { ImageDataset } from './dataset';
import { findProjectRoot, locateDataDir } from './locate';
import { ChannelStats, normalizePixels } from './normalize';

/** The usual CIFAR-10 per-channel (R, G, B) statistics of the training set, pixels in [0, 1]. */
export const CIFAR10_STATS: ChannelStats = {
  mean: [0.4914, 0.4822, 0.4465],
  std: [0.247, 0.2435, 0.2616],
};

export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR10_TEST_FILE = 'test_batch.bin';

const SIDE = 32;
const CHANNELS = 3;
const PLANE = SIDE * SIDE;
const RECORD = 1 + CHANNELS * PLANE; // label byte, then R, G, B planes of 32x32, row-major
const NUM_CLASSES = 10;

/** Raw records of CIFAR-10 binary files: HWC bytes and labels. */
interface CifarRecords {
  pixels: Uint8Array; // [N, 32, 32, 3]
  labels: Int32Array; // [N]
}

/** Decodes the bytes of one CIFAR-10 binary batch file; `file` names it in errors. */
function decodeCifar10(bytes: Uint8Array, file: string): CifarRecords {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new FileFormatError(file, `size ${bytes.length} bytes is not a positive multiple of the ${RECORD}-byte CIFAR-10 record: truncated or not a CIFAR-10 binary file`);
  }
  const n = bytes.length / RECORD;
  const pixels = new Uint8Array(n * CHANNELS * PLANE);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const record = bytes.subarray(r * RECORD, (r + 1) * RECORD);
    if (record[0] >= NUM_CLASSES) throw new FileFormatError(file, `record ${r} has label ${record[0]}, expected 0..${NUM_CLASSES - 1}`);
    labels[r] = record[0];
    const out = r * CHANNELS * PLANE;
    // Planar CHW on disk → interleaved HWC, the layout of ImageDataset.
    for (let c = 0; c < CHANNELS; c++) {
      for (let p = 0; p < PLANE; p++) pixels[out + p * CHANNELS + c] = record[1 + c * PLANE + p];
    }
  }
  return { pixels, labels };
}

/** CIFAR-10 binary batch files, concatenated in order → dataset [32, 32, 3], normalised per channel. */
export function readCifar10(files: readonly string[], name: string): ImageDataset {
  const parts = files.map((file) => decodeCifar10(readFileBytes(file), file));
  const pixels = new Uint8Array(parts.reduce((n, p) => n + p.pixels.length, 0));
  const labels = new Int32Array(parts.reduce((n, p) => n + p.labels.length, 0));
  let pixelOffset = 0;
  let labelOffset = 0;
  for (const part of parts) {
    pixels.set(part.pixels, pixelOffset);
    labels.set(part.labels, labelOffset);
    pixelOffset += part.pixels.length;
    labelOffset += part.labels.length;
  }
  return { name, images: normalizePixels(pixels, CIFAR10_STATS), labels, shape: [SIDE, SIDE, CHANNELS], numClasses: NUM_CLASSES };
}

/**
 * Directory with the six CIFAR-10 binary batch files: `dir` if given; else $CIFAR10_DIR, then
 * <project root>/data/cifar-10 (where `npm run download -- cifar-10` puts them).
 */
export function locateCifar10(dir?: string): string {
  const candidates =
    dir !== undefined
      ? [{ dir, origin: 'directory given' }]
      : [
          { dir: process.env.CIFAR10_DIR, origin: '$CIFAR10_DIR' },
          { dir: path.join(findProjectRoot(), 'data', 'cifar-10'), origin: 'project data folder' },
        ];
  const missing = (d: string) => [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].filter((f) => !fs.existsSync(path.join(d, f)));
  return locateDataDir('CIFAR-10', candidates, missing, 'npm run download -- cifar-10');
}

/** The 50,000 training images (data_batch_1..5) and 10,000 test images. */
export function loadCifar10(dir?: string): { train: ImageDataset; test: ImageDataset } {
  const root = locateCifar10(dir);
  return {
    train: readCifar10(CIFAR10_TRAIN_FILES.map((f) => path.join(root, f)), 'cifar-10/train'),
    test: readCifar10([path.join(root, CIFAR10_TEST_FILE)], 'cifar-10/test'),
  };
}
