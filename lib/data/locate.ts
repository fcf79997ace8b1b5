import * as fs from 'node:fs';
import * as path from 'node:path';

/** No candidate directory holds a dataset's files; the message says where we looked and how to get it. */
export class DatasetNotFoundError extends Error {
  constructor(
    readonly dataset: string,
    readonly searched: string[],
    howToGet: string,
  ) {
    super(`${dataset} not found. Looked in:\n${searched.map((s) => `  - ${s}`).join('\n')}\nTo get it: ${howToGet}`);
    this.name = 'DatasetNotFoundError';
  }
}

/** A place a dataset may live; `dir` is undefined when e.g. its environment variable is unset. */
export interface DataDirCandidate {
  dir: string | undefined;
  /** Where the candidate comes from, e.g. '$FASHION_MNIST_DIR' or 'Debian package dataset-fashion-mnist'. */
  origin: string;
}

/**
 * The first candidate directory that holds all the files, as judged by `missingFiles`
 * (names of absent files; empty when complete).
 */
export function locateDataDir(
  dataset: string,
  candidates: readonly DataDirCandidate[],
  missingFiles: (dir: string) => string[],
  howToGet: string,
): string {
  const searched: string[] = [];
  for (const { dir, origin } of candidates) {
    if (dir === undefined) {
      searched.push(`${origin}: not set`);
      continue;
    }
    if (!fs.existsSync(dir)) {
      searched.push(`${dir} (${origin}): does not exist`);
      continue;
    }
    const missing = missingFiles(dir);
    if (missing.length === 0) return dir;
    searched.push(`${dir} (${origin}): missing ${missing.join(', ')}`);
  }
  throw new DatasetNotFoundError(dataset, searched, howToGet);
}

/**
 * The folder whose package.json is named "paramdiff", walking up from `start`. Found by name, not
 * by a fixed number of '..', because this code runs both from lib/ (tsx) and from dist/ (compiled).
 */
export function findProjectRoot(start: string = __dirname): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (packageName(path.join(dir, 'package.json')) === 'paramdiff') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json named "paramdiff" above ${start}`);
  }
}

function packageName(file: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined; // absent or unreadable: keep walking up
  }
}
