/**
 * BEND trains the same generator as the p-diff run of its preset and seed (same zoo, autoencoder
 * and DDPM): a reproduction that has the p-diff run copies its trained stages instead of training
 * them again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PDIFF_OUTPUTS } from '../pdiff/run-dir';
import { RESULTS_FILE, RUN_FILE } from '../util/run-dir';

/**
 * Copies the finished p-diff run in `pdiffDir` (PDIFF_OUTPUTS, then its run.json) into `bendDir`.
 * run.json goes last: a BEND directory that has one has a whole generator, and is left alone (it
 * resumes on its own); a copy cut short is made again. Returns whether it copied; nothing is
 * copied from a p-diff run that has not finished.
 */
export function borrowGenerator(pdiffDir: string, bendDir: string): boolean {
  if (fs.existsSync(path.join(bendDir, RUN_FILE)) || !fs.existsSync(path.join(pdiffDir, RESULTS_FILE))) return false;
  fs.mkdirSync(bendDir, { recursive: true });
  for (const name of [...PDIFF_OUTPUTS, RUN_FILE]) {
    const from = path.join(pdiffDir, name);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(bendDir, name), { recursive: true });
  }
  return true;
}
