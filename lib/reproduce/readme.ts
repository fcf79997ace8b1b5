/**
 * The README's result tables, generated from results/*.json and nothing else: each block between
 * `<!-- results FILE KIND -->` and `<!-- /results -->` is re-rendered from results/FILE.json
 * (`npm run results:readme`), and a test fails when the README differs from its rendering.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Interval } from '../eval/interval';
import { InputError } from '../util/errors';
import type { Aggregated, ResultsFile } from './aggregate';

const BLOCK = /<!-- results (\S+) (\S+) -->\n[\s\S]*?<!-- \/results -->/g;

/** `mean ± std` over the seeds (the mean alone for one seed), scaled (100 for percentages). */
function cell(a: Aggregated, metric: string, scale = 100, digits = 2): string {
  const i: Interval | undefined = a.aggregate[metric];
  if (!i) return '–';
  const f = (v: number) => (v * scale).toFixed(digits);
  return i.n > 1 ? `${f(i.mean)} ± ${f(i.std)}` : f(i.mean);
}

/** A row's name: the preset and how many seeds it averages (one seed is said, not hidden). */
const runLabel = (preset: string, a: Aggregated) => `\`${preset}\` · ${a.seeds.length === 1 ? 'one seed' : `${a.seeds.length} seeds`}`;

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function provenanceLine(r: ResultsFile): string {
  const missing = r.missing.length ? ` Not finished yet: ${r.missing.join('; ')}.` : '';
  return `Seeds ${r.seeds.join(', ')}; mean ± sample std over the seeds; code of commit ${r.commits.map((c) => c.slice(0, 7)).join(', ') || '?'}; ` +
    `backend ${r.backends.join(', ')}; ${r.machines.join(', ')}; ${Math.round(r.wallSeconds / 60)} min of runs.${missing}`;
}

/** p-diff's main runs with the copying audit: one row per zoo recipe. */
function pdiffAudit(r: ResultsFile): string {
  const rows = Object.entries(r.runs).map(([preset, a]) => [
    runLabel(preset, a), cell(a, 'originals.mean'), cell(a, 'heldOut.mean'), cell(a, 'generated.mean'), cell(a, 'generated.best'),
    cell(a, 'audit.nn.function.generated', 1, 4), cell(a, 'audit.nn.function.heldOut', 1, 4), cell(a, 'audit.cT.function', 1), cell(a, 'audit.p.function', 1, 3),
    cell(a, 'audit.cT.weight', 1), cell(a, 'audit.beyondFront', 100, 0),
  ]);
  return `${table(['zoo', 'originals mean', 'held-out mean', 'generated mean', 'generated best', 'generated NN (function)',
    'held-out NN (function)', 'C_T (function)', 'p (function)', 'C_T (weight)', 'beyond front (%)'], rows)}\n\n${provenanceLine(r)}`;
}

/** p-diff's ablations (its Table 2): one row per setting. */
function pdiffAblations(r: ResultsFile): string {
  const rows = Object.entries(r.ablations).flatMap(([name, settings]) => Object.entries(settings).map(([setting, a]) => [
    name, setting, cell(a, 'originals.mean'), cell(a, 'generated.mean'), cell(a, 'generated.best'), cell(a, 'maxIoU.generated', 1, 4),
  ]));
  return `${table(['ablation', 'setting', 'originals mean', 'generated mean', 'generated best', 'max IoU vs originals'], rows)}\n\n${provenanceLine(r)}`;
}

/** Any paper's main-run metrics whose names match `prefix`, one row per metric (accuracies in %). */
function metricsTable(r: ResultsFile, pattern: RegExp): string {
  const rows = Object.entries(r.runs).flatMap(([preset, a]) => Object.keys(a.aggregate).filter((m) => pattern.test(m))
    .map((m) => [runLabel(preset, a), m, cell(a, m, /\.(nll)$|disagreement/.test(m) ? 1 : 100, /\.(nll)$|disagreement/.test(m) ? 4 : 2)]));
  return `${table(['run', 'metric', 'mean ± std'], rows)}\n\n${provenanceLine(r)}`;
}

const RENDERERS: Record<string, (r: ResultsFile) => string> = {
  audit: pdiffAudit,
  ablations: pdiffAblations,
  'bend-methods': (r) => metricsTable(r, /\.acc$|\.nll$|disagreement/),
  'd2nwg-methods': (r) => metricsTable(r, /\.mean$/),
};

/** The README with every results block re-rendered from `resultsDir`. */
export function renderResultBlocks(readme: string, resultsDir: string): string {
  return readme.replace(BLOCK, (_, name: string, kind: string) => {
    const file = path.join(resultsDir, `${name}.json`);
    const render = RENDERERS[kind];
    if (!render) throw new InputError(`README block ${name} ${kind}: unknown kind (use ${Object.keys(RENDERERS).join(', ')})`);
    if (!fs.existsSync(file)) throw new InputError(`README block ${name} ${kind}: no ${file}`);
    const results = JSON.parse(fs.readFileSync(file, 'utf8')) as ResultsFile;
    return `<!-- results ${name} ${kind} -->\n${render(results)}\n<!-- /results -->`;
  });
}
