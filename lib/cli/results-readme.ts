/** `npm run results:readme`: re-renders the README's result tables from results/*.json (lib/reproduce/readme.ts) and its speed tables from results/bench/*.json (lib/bench/readme-block.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findProjectRoot } from '../data/locate';
import { renderBenchBlocks } from '../bench/readme-block';
import { renderResultBlocks } from '../reproduce/readme';
import { writeFileAtomic } from '../util/atomic-write';
import { runMain } from './main';

runMain(async () => {
  const root = findProjectRoot();
  const file = path.join(root, 'README.md');
  const before = fs.readFileSync(file, 'utf8');
  const results = path.join(root, 'results');
  const after = renderBenchBlocks(renderResultBlocks(before, results), results);
  writeFileAtomic(file, after);
  console.log(after === before ? 'README.md: result tables already up to date' : 'README.md: result tables re-rendered from results/');
});
