// The notebooks as committed: tslab kernel, executed (they open with their results), small, no
// plotly.js inlined, the compiled library only, parameters from the environment.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string[];
}

interface Cell {
  cell_type: 'code' | 'markdown';
  source: string[];
  outputs?: Output[];
}

const dir = path.join(__dirname, '..', 'notebooks');
const notebooks = fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort();
/** The paper notebooks: they show results/ unless RUN is set. */
const PAPER_NOTEBOOKS = ['bend.ipynb', 'd2nwg.ipynb', 'pdiff.ipynb'];

describe('notebooks as committed', () => {
  it('are the BEND, D2NWG and p-diff stories and the latent explorer', () => {
    assert.deepEqual(notebooks, ['bend.ipynb', 'd2nwg.ipynb', 'latent-explorer.ipynb', 'pdiff.ipynb']);
  });

  for (const file of notebooks) {
    describe(file, () => {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      const nb = JSON.parse(text) as { cells: Cell[]; metadata: { kernelspec: { name: string } } };
      const codeCells = nb.cells.filter((c) => c.cell_type === 'code');
      const code = codeCells.map((c) => c.source.join(''));
      const outputs = codeCells.flatMap((c) => c.outputs ?? []);

      it('run on the tslab kernel, committed executed without errors', () => {
        assert.equal(nb.metadata.kernelspec.name, 'tslab');
        // tslab reports no execution counts: outputs are the sign of an executed notebook (npm run notebooks:commit).
        assert.ok(outputs.every((o) => o.output_type !== 'error'), 'no cell failed');
        assert.ok(outputs.some((o) => o.data && 'image/svg+xml' in o.data), 'at least one chart with its static image');
      });

      it('stay under 1 MB with plotly.js not inlined, every chart carrying its static image', () => {
        assert.ok(text.length < 1_000_000, `${file} is ${text.length} bytes`);
        assert.ok(!text.includes('plotly.js v'), 'plotly.js is not inlined');
        const charts = outputs.filter((o) => o.data && 'application/vnd.plotly.v1+json' in o.data);
        assert.ok(charts.every((o) => 'image/svg+xml' in o.data!), 'every chart has its SVG');
      });

      it('read preset, seed and output directory from the environment in the first cell', () => {
        for (const name of ['PARAMDIFF_PRESET', 'PARAMDIFF_SEED', 'PARAMDIFF_OUT']) assert.match(code[0], new RegExp(`process\\.env\\.${name}`));
        assert.match(code[0], /const PRESET = process\.env\.PARAMDIFF_PRESET \?\? 'quick'/);
        if (PAPER_NOTEBOOKS.includes(file)) assert.match(code[0], /const RUN = process\.env\.PARAMDIFF_RUN === '1'/);
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
