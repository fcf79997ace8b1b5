// The README's result tables are generated from results/*.json: a hand edit, or results changed
// without `npm run results:readme`, fails here.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findProjectRoot } from '../lib/data/locate';
import { renderResultBlocks } from '../lib/reproduce/readme';

describe('README result tables', () => {
  const root = findProjectRoot();
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

  it('every table between results markers is what results/ renders (run `npm run results:readme`)', () => {
    assert.equal(renderResultBlocks(readme, path.join(root, 'results')), readme);
  });

  it('the README has result blocks, and every results file is shown', () => {
    const shown = [...readme.matchAll(/<!-- results (\S+) \S+ -->/g)].map((m) => m[1]);
    const files = fs.existsSync(path.join(root, 'results')) ? fs.readdirSync(path.join(root, 'results')).filter((f) => f.endsWith('.json')) : [];
    for (const f of files) assert.ok(shown.includes(f.replace(/\.json$/, '')), `results/${f} has no table in the README`);
  });
});
