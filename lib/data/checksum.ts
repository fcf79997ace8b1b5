import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { FileFormatError } from '../util/errors';

/**
 * An expected file digest. SHA-256 wherever we can know it; MD5 only where the publisher gives
 * nothing stronger (it still catches truncation and corruption, not a deliberate substitution).
 */
export interface Checksum {
  algorithm: 'sha256' | 'md5';
  /** Lower-case hex digest. */
  hex: string;
}

/** Hex digest of a file, read as a stream (dataset archives can be hundreds of MB). */
export async function fileDigest(file: string, algorithm: Checksum['algorithm']): Promise<string> {
  const hash = crypto.createHash(algorithm);
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Resolves when `file` has the expected digest; otherwise a FileFormatError naming both digests. */
export async function verifyFile(file: string, checksum: Checksum): Promise<void> {
  const actual = await fileDigest(file, checksum.algorithm);
  if (actual !== checksum.hex.toLowerCase()) {
    throw new FileFormatError(file, `${checksum.algorithm} mismatch: expected ${checksum.hex}, got ${actual}`);
  }
}
