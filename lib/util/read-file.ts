import * as fs from 'node:fs';
import { FileFormatError } from './errors';

/** The bytes of `file`; a file that cannot be read (missing, a directory, no permission) is a FileFormatError naming it. */
export function readFileBytes(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new FileFormatError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
