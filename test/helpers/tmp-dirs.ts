import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Fresh temporary directories named `paramdiff-<prefix>-…`, all removed by the returned `cleanup` (call it in `after`). */
export function tmpDirs(prefix: string): { make: () => string; cleanup: () => void } {
  const made: string[] = [];
  return {
    make: () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `paramdiff-${prefix}-`));
      made.push(dir);
      return dir;
    },
    cleanup: () => { for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true }); },
  };
}
