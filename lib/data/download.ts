import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { FileFormatError } from '../util/errors';
import { Checksum } from './checksum';
import { CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES } from './cifar10';
import { DownloadOptions, downloadFile } from './download-file';
import { IDX_TRAIN_TEST_FILES } from './idx-dataset';

/** One file of a dataset: where it lives and what it must hash to. */
export interface RemoteFile {
  url: string;
  /** Name inside the target directory. */
  file: string;
  checksum: Checksum;
}

/** Everything needed to fetch a dataset into a directory. */
export interface DatasetSource {
  files: RemoteFile[];
  /** Set for a gzipped tarball with one top folder: unpacked into the target directory without that folder. */
  extract?: { archive: string; produces: string[] };
}

const FASHION_MNIST_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
const MNIST_URL = 'https://ossci-datasets.s3.amazonaws.com/mnist/'; // the mirror torchvision uses
const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';

const sha256 = (hex: string): Checksum => ({ algorithm: 'sha256', hex });
const md5 = (hex: string): Checksum => ({ algorithm: 'md5', hex });
const idxFiles = (base: string, checksums: Record<keyof typeof IDX_TRAIN_TEST_FILES, Checksum>): RemoteFile[] =>
  (Object.keys(IDX_TRAIN_TEST_FILES) as (keyof typeof IDX_TRAIN_TEST_FILES)[]).map((key) => {
    const file = `${IDX_TRAIN_TEST_FILES[key]}.gz`;
    return { url: base + file, file, checksum: checksums[key] };
  });

/** The datasets `npm run download` knows, by name. */
export const DATASET_SOURCES = {
  // Zalando publishes only MD5s. The SHA-256s were computed locally from bytes whose MD5s equal the
  // published ones (8d4fb7e6…, 25c81989…, bef4ecab…, bb300cfd…): Debian's dataset-fashion-mnist
  // ships the same deflate streams with a normalised gzip header (no file name, build-time
  // mtime); putting the original header back (name, mtime 2017-08-31) reproduced the published
  // MD5s exactly, and the resulting SHA-256s match those other projects list (e.g. TFDS).
  'fashion-mnist': {
    files: idxFiles(FASHION_MNIST_URL, {
      trainImages: sha256('3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84'),
      trainLabels: sha256('a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845'),
      testImages: sha256('346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073'),
      testLabels: sha256('67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5'),
    }),
  },
  // MD5 only: the checksums published for these files (LeCun's originals, as torchvision checks them).
  mnist: {
    files: idxFiles(MNIST_URL, {
      trainImages: md5('f68b3c2dcbeaaa9fbdd348bbdeb94873'),
      trainLabels: md5('d53e105ee54ea40749a09fcbcd1e9432'),
      testImages: md5('9fb629c4189551a2d022fa330f9573f3'),
      testLabels: md5('ec29112dd5afa0611ce80d1b7f02629c'),
    }),
  },
  // MD5 only: the one checksum published on the CIFAR page for the binary version.
  'cifar-10': {
    files: [{ url: CIFAR10_URL, file: 'cifar-10-binary.tar.gz', checksum: md5('c32a1d4ab5d03f1284b67883e8d87530') }],
    extract: { archive: 'cifar-10-binary.tar.gz', produces: [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE] },
  },
} satisfies Record<string, DatasetSource>;

export type DatasetName = keyof typeof DATASET_SOURCES;

export function isDatasetName(name: string): name is DatasetName {
  return Object.hasOwn(DATASET_SOURCES, name);
}

/**
 * Fetches every file of `source` into `dir` (resumable, verified; verified files are skipped),
 * then unpacks the archive if there is one, with the system `tar`.
 */
export async function downloadDataset(source: DatasetSource, dir: string, options: DownloadOptions = {}): Promise<void> {
  for (const remote of source.files) await downloadFile(remote.url, path.join(dir, remote.file), remote.checksum, options);
  if (source.extract === undefined) return;
  const { archive, produces } = source.extract;
  await promisify(execFile)('tar', ['-xzf', path.join(dir, archive), '-C', dir, '--strip-components=1']);
  const missing = produces.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length > 0) throw new FileFormatError(path.join(dir, archive), `unpacked without ${missing.join(', ')}`);
}
