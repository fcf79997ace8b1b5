import * as fs from 'node:fs';
import * as path from 'node:path';
import { WriteError } from './errors';

/**
 * The call that puts bytes into an open file (the temporary file of `target`). Replaceable so
 * that tests can make a write fail the way a full disk does (ENOSPC) without filling a disk.
 */
export const diskIo = {
  write(fd: number, bytes: Uint8Array, _target: string): void {
    // writeSync may write less than asked; loop so a short write never truncates silently.
    for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done, bytes.length - done);
  },
};

/**
 * Writes a file so that readers see either the old or the new content, never a torn one:
 * write to a temporary file in the same directory, fsync it, rename over the target, fsync the
 * directory. On failure (e.g. a full disk) the temporary file is removed, the previous file is
 * untouched, and a WriteError names the file and the reason.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array | Uint8Array[]): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fd = fs.openSync(tmp, 'w');
    const parts = Array.isArray(data) ? data : [data];
    for (const part of parts) diskIo.write(fd, typeof part === 'string' ? Buffer.from(part) : part, file);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    const { code, message } = err as NodeJS.ErrnoException;
    throw new WriteError(file, code, message);
  }
  syncDirectory(dir);
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
