/**
 * The README's result tables, generated from results/*.json and nothing else: each block between
 * `<!-- results FILE KIND -->` and `<!-- /results -->` is re-rendered from results/FILE.json
 * (`npm run results:readme`), and a test fails when the README differs from its rendering. KIND is
 * a table kind (RESULT_KINDS), or `verdicts`: the file's claims as computed sentences.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../util/errors';
import type { ResultsFile } from './aggregate';
import { markdownTable, provenanceLine, RESULT_KINDS, resultTable } from './tables';
import { resultVerdicts } from './verdicts';

const BLOCK = /<!-- results (\S+) (\S+) -->\n[\s\S]*?<!-- \/results -->/g;

/** The README with every results block re-rendered from `resultsDir`. */
export function renderResultBlocks(readme: string, resultsDir: string): string {
  return readme.replace(BLOCK, (_, name: string, kind: string) => {
    const file = path.join(resultsDir, `${name}.json`);
    if (kind !== 'verdicts' && !RESULT_KINDS.includes(kind)) throw new InputError(`README block ${name} ${kind}: unknown kind (use ${RESULT_KINDS.join(', ')} or verdicts)`);
    if (!fs.existsSync(file)) throw new InputError(`README block ${name} ${kind}: no ${file}`);
    const results = JSON.parse(fs.readFileSync(file, 'utf8')) as ResultsFile;
    const body = kind === 'verdicts' ? resultVerdicts(results).map((line) => `- ${line}`).join('\n')
      : `${markdownTable(resultTable(results, kind))}\n\n${provenanceLine(results)}`;
    return `<!-- results ${name} ${kind} -->\n${body}\n<!-- /results -->`;
  });
}
