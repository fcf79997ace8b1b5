/**
 * The result tables of results/*.json, one kind per story (the p-diff copying audit, its
 * ablations, its whole networks, BEND's methods, D2NWG's methods and its levers): rows of formatted
 * cells, rendered as markdown in the README (./readme.ts) and as tables in the notebooks. Every cell is `mean ± sample std` over the
 * seeds, or the value alone where one seed measured it.
 */
import { D2NWG_LEVERS, isLeverName } from '../d2nwg/levers';
import { METHOD_LABELS, NOVELTY_LABELS } from '../d2nwg/report/tables';
import { meanInterval } from '../eval/interval';
import { wholeCells, WHOLE_COLUMNS } from '../pdiff/whole/summary';
import { InputError } from '../util/errors';
import { PAPER_GENERATED_MEAN } from './paper-numbers';
import { meanStdText } from '../viz/format';
import type { Aggregated, ResultsFile } from './aggregate';
import { isTable2Ablation, LEVERS, WHOLE, WHOLE_PRESETS } from './plan';
import { crossRunDifference, intervalText } from './verdicts';

export interface ResultTable {
  header: string[];
  rows: string[][];
}

/** A metric over the seeds. */
const cell = (a: Aggregated, metric: string, scale = 100, digits = 2): string => meanStdText(a.aggregate[metric], scale, digits);

/** The ratio of two metrics (%), taken per seed, then over the seeds that measured both. */
function ratioCell(a: Aggregated, numerator: string, denominator: string, digits = 1): string {
  const ratios = a.perSeed.flatMap(({ metrics: m }) => (numerator in m && denominator in m ? [m[numerator] / m[denominator]] : []));
  return meanStdText(ratios.length ? meanInterval(ratios) : undefined, 100, digits);
}

/** How many seeds a row averages (one seed is said, not hidden). */
const seedCount = (a: Aggregated) => (a.seeds.length === 1 ? 'one seed' : `${a.seeds.length} seeds`);

/** A row's name: the preset and how many seeds it averages. */
const runLabel = (preset: string, a: Aggregated) => `\`${preset}\` · ${seedCount(a)}`;

/** Where the numbers come from: seeds, commits, backend, machine, wall time, and what is missing. */
export function provenanceLine(r: ResultsFile): string {
  const missing = r.missing.length ? ` Not finished yet: ${r.missing.join('; ')}.` : '';
  return `Seeds ${r.seeds.join(', ')}; mean ± sample std over the seeds; code of commit ${r.commits.map((c) => c.slice(0, 7)).join(', ') || '?'}; ` +
    `backend ${r.backends.join(', ')}; ${r.machines.join(', ')}; ${Math.round(r.wallSeconds / 60)} min of runs.${missing}`;
}

/** p-diff's main runs with the copying audit: one row per zoo recipe. */
function pdiffAudit(r: ResultsFile): ResultTable {
  return {
    header: ['zoo', 'originals mean', 'held-out mean', 'generated mean', 'generated best', 'generated NN (function)',
      'held-out NN (function)', 'C_T (function)', 'p (function)', 'C_T (weight)', 'beyond front (%)'],
    rows: Object.entries(r.runs).map(([preset, a]) => [
      runLabel(preset, a), cell(a, 'originals.mean'), cell(a, 'heldOut.mean'), cell(a, 'generated.mean'), cell(a, 'generated.best'),
      cell(a, 'audit.nn.function.generated', 1, 4), cell(a, 'audit.nn.function.heldOut', 1, 4), cell(a, 'audit.cT.function', 1), cell(a, 'audit.p.function', 1, 3),
      cell(a, 'audit.cT.weight', 1), cell(a, 'audit.beyondFront', 100, 0),
    ]),
  };
}

/** p-diff's ablations (its Table 2): one row per setting. */
function pdiffAblations(r: ResultsFile): ResultTable {
  return {
    header: ['ablation', 'setting', 'originals mean', 'generated mean', 'generated best', 'max IoU vs originals', 'paper: generated mean (CIFAR-100)'],
    rows: Object.entries(r.ablations).filter(([name]) => isTable2Ablation(name)).flatMap(([name, settings]) => Object.entries(settings).map(([setting, a]) => [
      name, `${setting} · ${seedCount(a)}`, cell(a, 'originals.mean'), cell(a, 'generated.mean'), cell(a, 'generated.best'), cell(a, 'maxIoU.generated', 1, 4),
      PAPER_GENERATED_MEAN[name]?.[setting]?.toFixed(1) ?? '–',
    ])),
  };
}

/**
 * Whole-network generation's variants (ablations.whole), one row per variant: the zoo's and the
 * generated networks' test accuracy (%), the gaps, the weight average and the copying audit
 * (pdiff.whole's WHOLE_COLUMNS, as the notebook's fresh table shows them).
 */
function pdiffWhole(r: ResultsFile): ResultTable {
  return {
    header: ['networks', 'variant', ...WHOLE_COLUMNS.map((c) => c.label)],
    rows: Object.entries(r.ablations[WHOLE] ?? {}).map(([variant, a]) =>
      [`\`${WHOLE_PRESETS[r.scale]}\``, `${variant} · ${seedCount(a)}`, ...wholeCells((metric) => a.aggregate[metric])]),
  };
}

/** The rows a reader of BEND's claim needs first: single models, the zoo's own ensembles and BEND at its largest M. */
const BEND_HEADLINE = ['original: mean single', 'original: median single', 'generated: mean single', 'generated: median single', 'zoo ensemble', 'weight average',
  'zoo + noise copies σ=0.01', 'deep ensemble (full networks)', 'sBEND', 'aBEND', 'zoo + sBEND'];

/** BEND's methods (`<method>/<M>.<score>` metrics): one row per method and size, its scores as columns; `headline`: BEND_HEADLINE at the largest M. */
function bendMethods(r: ResultsFile, headline = false): ResultTable {
  const scores: [string, string, number, number][] = [
    ['acc', 'test acc (%)', 100, 2], ['nll', 'NLL', 1, 4], ['ece', 'ECE (%)', 100, 2], ['brier', 'Brier', 1, 4],
    ['aurocMsp', 'OOD AUROC (MSP)', 1, 3], ['aurocEntropy', 'OOD AUROC (entropy)', 1, 3], ['extraCost', 'added cost (× zoo)', 1, 2],
  ];
  return {
    header: ['zoo', 'method', 'M', ...scores.map(([, label]) => label)],
    rows: Object.entries(r.runs).flatMap(([preset, a]) => {
      const all = [...new Set(Object.keys(a.aggregate).filter((m) => m.endsWith('.acc')).map((m) => m.slice(0, -'.acc'.length)))];
      const size = (key: string) => Number(key.split('/')[1] ?? 0);
      const methods = !headline ? all : BEND_HEADLINE.flatMap((method) => {
        const sizes = all.filter((key) => key.split('/')[0] === method);
        return sizes.length ? [sizes.reduce((a, b) => (size(b) > size(a) ? b : a))] : [];
      });
      return methods.map((key) => {
        const [method, members] = key.split('/');
        return [runLabel(preset, a), method, members ?? '', ...scores.map(([score, , scale, digits]) => cell(a, `${key}.${score}`, scale, digits))];
      });
    }),
  };
}

/**
 * D2NWG's methods (`<group>.<method>.<field>` metrics): one row per method, the mean test accuracy
 * of its heads over all held-out tasks and per kind of task (%), and the shot-selected head over all.
 */
function d2nwgMethods(r: ResultsFile): ResultTable {
  const groups = Object.keys(NOVELTY_LABELS) as (keyof typeof NOVELTY_LABELS)[];
  return {
    header: ['run', 'method', 'all tasks: mean of heads', 'all tasks: shot-selected head', ...groups.map((g) => NOVELTY_LABELS[g])],
    rows: Object.entries(r.runs).flatMap(([preset, a]) => (Object.keys(METHOD_LABELS) as (keyof typeof METHOD_LABELS)[])
      .filter((m) => `all.${m}.mean` in a.aggregate)
      .map((m) => [runLabel(preset, a), METHOD_LABELS[m], cell(a, `all.${m}.mean`), cell(a, `all.${m}.shotSelected`), ...groups.map((g) => cell(a, `${g}.${m}.mean`))])),
  };
}

/** The task groups a lever is judged on: all held-out tasks, and unseen combinations of seen classes (the kind nearest the zoo). */
const LEVER_GROUPS = [['all', 'all tasks'], ['combination', 'unseen class combinations']] as const;

/**
 * D2NWG against its target, per run of a preset: the main runs, then each lever's (ablations.levers):
 * the mean test accuracy (%) of its heads and its shot-selected head beside the prototype and the
 * trained heads, and its mean as % of the trained head's, on each of LEVER_GROUPS.
 */
function d2nwgLevers(r: ResultsFile): ResultTable {
  const change = (preset: string) => {
    const lever = preset.slice(`${r.scale}-`.length);
    return isLeverName(lever) ? D2NWG_LEVERS[lever].summary : 'none (the preset)';
  };
  const base = r.runs[r.scale];
  const runs = [...Object.entries(r.runs), ...Object.entries(r.ablations[LEVERS] ?? {})];
  // Levers ran on fewer seeds than the preset: the paired difference on the seeds both ran is the fair comparison.
  const versusBase = (a: Aggregated) => {
    const d = !base || a === base ? undefined : crossRunDifference(a, base, 'all.generated.mean');
    return d ? intervalText(d, 100) : '–';
  };
  return {
    header: ['run', 'lever', ...LEVER_GROUPS.flatMap(([, label]) =>
      ['D2NWG mean of heads', 'D2NWG shot-selected', 'prototype head', 'trained head', 'D2NWG % of trained'].map((column) => `${label}: ${column}`)),
    `all tasks: D2NWG mean − \`${r.scale}\`'s, same seeds`],
    rows: runs.map(([preset, a]) => [runLabel(preset, a), change(preset), ...LEVER_GROUPS.flatMap(([group]) => [
      cell(a, `${group}.generated.mean`), cell(a, `${group}.generated.shotSelected`), cell(a, `${group}.prototype.mean`), cell(a, `${group}.trained.mean`),
      ratioCell(a, `${group}.generated.mean`, `${group}.trained.mean`),
    ]), versusBase(a)]),
  };
}

const KINDS: Record<string, (r: ResultsFile) => ResultTable> = {
  audit: pdiffAudit,
  ablations: pdiffAblations,
  whole: pdiffWhole,
  'bend-methods': (r) => bendMethods(r),
  'bend-headline': (r) => bendMethods(r, true),
  'd2nwg-methods': d2nwgMethods,
  'd2nwg-levers': d2nwgLevers,
};

export const RESULT_KINDS = Object.keys(KINDS);

/** The table of `kind` from a results file. */
export function resultTable(r: ResultsFile, kind: string): ResultTable {
  const make = KINDS[kind];
  if (!make) throw new InputError(`unknown result table kind ${kind} (use ${RESULT_KINDS.join(', ')})`);
  return make(r);
}

/** A table as markdown. */
export function markdownTable({ header, rows }: ResultTable): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** A table as one object per row, keyed by the header (what `aq.from` takes in a notebook). */
export const tableObjects = ({ header, rows }: ResultTable): Record<string, string>[] =>
  rows.map((row) => Object.fromEntries(header.map((h, i) => [h, row[i]])));
