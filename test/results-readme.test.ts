// The README's result tables are generated from results/*.json: a hand edit, or results changed
// without `npm run results:readme`, fails here.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findProjectRoot } from '../lib/data/locate';
import { benchBlockBody, renderBenchBlocks, type AnyBenchRecord } from '../lib/bench/readme-block';
import { renderResultBlocks } from '../lib/reproduce/readme';

describe('README result tables', () => {
  const root = findProjectRoot();
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

  it('every table between results markers is what results/ renders (run `npm run results:readme`)', () => {
    assert.equal(renderResultBlocks(readme, path.join(root, 'results')), readme);
  });

  it('every speed table between bench markers is what results/bench/ renders, and every record there is shown', () => {
    assert.equal(renderBenchBlocks(readme, path.join(root, 'results')), readme);
    const shown = [...readme.matchAll(/<!-- bench (\S+) /g)].map((m) => m[1]);
    const dir = path.join(root, 'results', 'bench');
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
    for (const f of files) assert.ok(shown.includes(f.replace(/\.json$/, '')), `results/bench/${f} has no table in the README`);
  });

  it('a bench block shows the tables named by title prefix, the machine and the notes; an unknown title is an error naming the tables', () => {
    const record: AnyBenchRecord = {
      benchmark: 'seed-zoo', created: '2026-12-06T05:00:00.000Z',
      backend: { name: 'native', provider: 'p', detail: 'OpenBLAS, 1 thread', skipped: [] },
      machine: { cpus: 2, cpu: 'Some CPU', node: 'v20', loadAverage: [0.5, 0.25, 0] },
      tables: { 'wall seconds (2 models)': [{ part: 'total', 'ours/ref': 0.9 }], 'each model': [{ model: 1 }] },
      notes: ['ratios are ours / reference'],
    };
    assert.equal(benchBlockBody(record, ['wall seconds']), [
      'wall seconds (2 models):', '', '| part | ours/ref |', '| --- | --- |', '| total | 0.9 |', '',
      'Benchmark `seed-zoo` of 2026-12-06: backend native (OpenBLAS, 1 thread); Some CPU (2 cores), load average 0.50, 0.25, 0.00 at the end; Node v20.', '',
      '- ratios are ours / reference',
    ].join('\n'));
    assert.throws(() => benchBlockBody(record, ['ms per step']), /no table titled "ms per step…" \(it has: wall seconds \(2 models\); each model\)/);
  });

  it('the README has result blocks, and every results file is shown', () => {
    const shown = [...readme.matchAll(/<!-- results (\S+) \S+ -->/g)].map((m) => m[1]);
    const files = fs.existsSync(path.join(root, 'results')) ? fs.readdirSync(path.join(root, 'results')).filter((f) => f.endsWith('.json')) : [];
    for (const f of files) assert.ok(shown.includes(f.replace(/\.json$/, '')), `results/${f} has no table in the README`);
  });
});
