// The notebooks as committed: tslab kernel, no outputs, the compiled library only, parameters from the environment.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Cell {
  cell_type: 'code' | 'markdown';
  source: string[];
  outputs?: unknown[];
  execution_count?: number | null;
}

const dir = path.join(__dirname, '..', 'notebooks');
const notebooks = fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort();

describe('notebooks as committed', () => {
  it('are the BEND, D2NWG and p-diff stories and the latent explorer', () => {
    assert.deepEqual(notebooks, ['bend.ipynb', 'd2nwg.ipynb', 'latent-explorer.ipynb', 'pdiff.ipynb']);
  });

  for (const file of notebooks) {
    describe(file, () => {
      const nb = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { cells: Cell[]; metadata: { kernelspec: { name: string } } };
      const code = nb.cells.filter((c) => c.cell_type === 'code').map((c) => c.source.join(''));

      it('run on the tslab kernel and carry no outputs', () => {
        assert.equal(nb.metadata.kernelspec.name, 'tslab');
        for (const cell of nb.cells.filter((c) => c.cell_type === 'code')) {
          assert.deepEqual(cell.outputs, []);
          assert.equal(cell.execution_count, null);
        }
      });

      it('read preset, seed and output directory from the environment in the first cell', () => {
        for (const name of ['PARAMDIFF_PRESET', 'PARAMDIFF_SEED', 'PARAMDIFF_OUT']) assert.match(code[0], new RegExp(`process\\.env\\.${name}`));
        assert.match(code[0], /const PRESET = process\.env\.PARAMDIFF_PRESET \?\? 'quick'/);
      });

      it('import the compiled library only (tslab cannot import ../lib)', () => {
        const imports = code.join('\n').match(/from '[^']+'/g) ?? [];
        assert.deepEqual([...new Set(imports)].sort(), ["from '../dist'", "from 'arquero'"]);
      });

      it('open with a markdown cell that says what is asked', () => {
        assert.equal(nb.cells[0].cell_type, 'markdown');
        assert.match(nb.cells[0].source[0], /^# /);
      });
    });
  }
});
