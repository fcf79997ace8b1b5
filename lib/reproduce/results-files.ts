/** The committed results files, `<dir>/<paper>-<scale>.json`, read back (the notebooks show them). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../util/errors';
import type { ResultsFile } from './aggregate';
import { SCALES, type Paper, type Scale } from './plan';

export const resultsFileName = (paper: Paper, scale: Scale): string => `${paper}-${scale}.json`;

/** Every results file of `paper` in `dir`, largest scale first (standard, quick, smoke). */
export function readResults(dir: string, paper: Paper): ResultsFile[] {
  if (!fs.existsSync(dir)) throw new InputError(`no results directory ${path.resolve(dir)}`);
  return [...SCALES].reverse().flatMap((scale) => {
    const file = path.join(dir, resultsFileName(paper, scale));
    if (!fs.existsSync(file)) return [];
    const results = JSON.parse(fs.readFileSync(file, 'utf8')) as ResultsFile;
    if (results.paper !== paper || results.scale !== scale) throw new InputError(`${file} holds ${results.paper} at ${results.scale} scale, not ${paper} at ${scale}`);
    return [results];
  });
}
