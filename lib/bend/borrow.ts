/**
 * BEND trains the same generator as the p-diff run of its preset and seed (same zoo, autoencoder
 * and DDPM): a reproduction that has the p-diff run copies its trained stages instead of training
 * them again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PDIFF_OUTPUTS } from '../pdiff/run-dir';
import { writeFileAtomic } from '../util/atomic-write';
import { RESULTS_FILE, RUN_FILE } from '../util/run-dir';

/** Where a borrowed generator's source and its stages' training seconds are kept. */
export const BORROWED_FILE = 'borrowed-generator.json';

/** The p-diff run a generator came from and what its stages cost there (reloading them here costs seconds). */
export interface BorrowedGenerator {
  from: string;
  seconds: { collect: number; autoencoder: number; diffusion: number };
}

/**
 * Copies the finished p-diff run in `pdiffDir` (PDIFF_OUTPUTS, its stages' seconds, then its
 * run.json) into `bendDir`. run.json goes last: a BEND directory that has one has a whole generator, and is left alone (it
 * resumes on its own); a copy cut short is made again. Returns whether it copied; nothing is
 * copied from a p-diff run that has not finished.
 */
export function borrowGenerator(pdiffDir: string, bendDir: string): boolean {
  if (fs.existsSync(path.join(bendDir, RUN_FILE)) || !fs.existsSync(path.join(pdiffDir, RESULTS_FILE))) return false;
  fs.mkdirSync(bendDir, { recursive: true });
  for (const name of PDIFF_OUTPUTS) {
    const from = path.join(pdiffDir, name);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(bendDir, name), { recursive: true });
  }
  const { timings } = JSON.parse(fs.readFileSync(path.join(pdiffDir, RESULTS_FILE), 'utf8')) as { timings: BorrowedGenerator['seconds'] };
  const borrowed: BorrowedGenerator = { from: path.resolve(pdiffDir), seconds: { collect: timings.collect, autoencoder: timings.autoencoder, diffusion: timings.diffusion } };
  writeFileAtomic(path.join(bendDir, BORROWED_FILE), `${JSON.stringify(borrowed, null, 1)}\n`);
  fs.cpSync(path.join(pdiffDir, RUN_FILE), path.join(bendDir, RUN_FILE));
  return true;
}

/** The borrowed generator of a BEND run directory, if it has one. */
export function borrowedGenerator(bendDir: string): BorrowedGenerator | undefined {
  const file = path.join(bendDir, BORROWED_FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as BorrowedGenerator) : undefined;
}
