/**
 * Node's arguments for running a module's sibling script in a child process: the `.ts` file
 * under tsx where the library runs from source (tests, CLI), the `.js` file in dist (notebooks).
 */
import * as path from 'node:path';

/** `[--require tsx/cjs,] <dir>/<name>.ts|.js`, the extension of `callerFile` (the caller's `__filename`). */
export function childScriptArgs(callerFile: string, name: string): string[] {
  const ext = path.extname(callerFile);
  const file = path.join(path.dirname(callerFile), `${name}${ext}`);
  return ext === '.ts' ? ['--require', require.resolve('tsx/cjs'), file] : [file];
}
