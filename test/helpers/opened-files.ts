/** Records which files code opens for reading, to check that a reader stays inside its directory. */
import fs = require('node:fs');

/** Runs `fn`, returning the resolved paths of every file it opened or read (with fs.openSync / fs.readFileSync). */
export function openedFiles(fn: () => void): string[] {
  const files: string[] = [];
  const { openSync, readFileSync } = fs;
  const record = (p: fs.PathOrFileDescriptor) => { if (typeof p === 'string') files.push(p); };
  fs.openSync = ((p: fs.PathLike, ...rest: unknown[]) => { record(String(p)); return (openSync as (...a: unknown[]) => number)(p, ...rest); }) as typeof fs.openSync;
  fs.readFileSync = ((p: fs.PathOrFileDescriptor, ...rest: unknown[]) => { record(p); return (readFileSync as (...a: unknown[]) => unknown)(p, ...rest); }) as typeof fs.readFileSync;
  try {
    fn();
  } finally {
    fs.openSync = openSync;
    fs.readFileSync = readFileSync;
  }
  return files;
}
