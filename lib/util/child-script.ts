/**
 * Node's arguments for running a module's sibling script in a child process: the `.ts` file
 * under tsx where the library runs from source (tests, CLI), the `.js` file in dist (notebooks).
 */
import * as path from 'node:path';

/** `<dir>/<name>.ts|.js`, the extension of `callerFile` (the caller's `__filename`), and the Node options it needs (`--require tsx/cjs` for `.ts`). */
export function childScript(callerFile: string, name: string): { file: string; nodeArgs: string[] } {
  const ext = path.extname(callerFile);
  const file = path.join(path.dirname(callerFile), `${name}${ext}`);
  return { file, nodeArgs: ext === '.ts' ? ['--require', require.resolve('tsx/cjs')] : [] };
}

/** `[--require tsx/cjs,] <dir>/<name>.ts|.js`: `childScript` as one argument list. */
export function childScriptArgs(callerFile: string, name: string): string[] {
  const { file, nodeArgs } = childScript(callerFile, name);
  return [...nodeArgs, file];
}
