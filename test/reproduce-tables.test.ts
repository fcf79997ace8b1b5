// Tables, charts and verdicts of results files, on a synthetic file whose numbers are known.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { meanInterval } from '../lib/eval/interval';
import type { Aggregated, ResultsFile } from '../lib/reproduce/aggregate';
import { resultFigures, seedsFigure } from '../lib/reproduce/figures';
import { readResults } from '../lib/reproduce/results-files';
import { markdownTable, resultTable, tableObjects } from '../lib/reproduce/tables';
import { intervalText, pairedDifference, resultVerdicts } from '../lib/reproduce/verdicts';
import { tmpDirs } from './helpers/tmp-dirs';

const dirs = tmpDirs('reproduce-tables');
after(dirs.cleanup);

/** Runs of three seeds whose metrics are given per seed. */
function aggregated(perSeed: Record<string, number>[]): Aggregated {
  const names = Object.keys(perSeed[0]);
  return {
    seeds: perSeed.map((_, i) => i),
    perSeed: perSeed.map((metrics, seed) => ({ seed, metrics, wallSeconds: 1, commit: 'c0ffee', dirty: false })),
    aggregate: Object.fromEntries(names.map((n) => [n, meanInterval(perSeed.map((m) => m[n]))])),
  };
}

function resultsFile(paper: ResultsFile['paper'], runs: Record<string, Aggregated>): ResultsFile {
  return { paper, scale: 'quick', commits: ['c0ffee'], seeds: [0, 1, 2], backends: ['native'], machines: ['cpu (2 cores)'], runs, ablations: {}, missing: [], wallSeconds: 60 };
}

/** BEND: zoo + sBEND is 0.5 points above the zoo ensemble on every seed (a real difference), sBEND ties the mean original. */
const bend = resultsFile('bend', {
  'quick-seeds': aggregated([0, 1, 2].map((s) => ({
    'zoo ensemble/10.acc': 0.90 + s / 100, 'zoo ensemble/10.nll': 0.3,
    'zoo + sBEND/20.acc': 0.905 + s / 100, 'zoo + sBEND/60.acc': 0.905 + s / 100, 'zoo + sBEND/60.nll': 0.3 + (s - 1) / 100, 'zoo + sBEND/60.extraCost': 0.5,
    'sBEND/50.acc': 0.89 + s / 100, 'original: mean single/1.acc': 0.89 + s / 100 + (s - 1) / 1000,
  }))),
});

describe('results files: tables, charts and verdicts', () => {
  it('BEND\'s headline table keeps each method at its largest M, formatted mean ± std', () => {
    const table = resultTable(bend, 'bend-headline');
    assert.deepEqual(table.rows.map((r) => [r[1], r[2]]), [['original: mean single', '1'], ['zoo ensemble', '10'], ['sBEND', '50'], ['zoo + sBEND', '60']]);
    const row = tableObjects(table).find((r) => r.method === 'zoo + sBEND')!;
    assert.equal(row['test acc (%)'], '91.50 ± 1.00');
    assert.equal(row['added cost (× zoo)'], '0.50 ± 0.00');
    assert.equal(resultTable(bend, 'bend-methods').rows.length, 5, 'the full table has every size');
    assert.match(markdownTable(table), /^\| zoo \| method \| M \| test acc \(%\) \|/);
    assert.throws(() => resultTable(bend, 'nonsense'), /unknown result table kind nonsense/);
  });

  it('verdicts: a paired difference is called only when its interval excludes zero', () => {
    const run = bend.runs['quick-seeds'];
    const acc = pairedDifference(run, 'zoo + sBEND/60.acc', 'zoo ensemble/10.acc')!;
    assert.ok(Math.abs(acc.mean - 0.005) < 1e-12 && acc.std < 1e-12);
    const lines = resultVerdicts(bend);
    assert.ok(lines.some((l) => /zoo \+ sBEND\/60 − zoo ensemble\/10, test accuracy \+0\.50 \[\+0\.50, \+0\.50\]: higher \(better\)\./.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /NLL \+0\.00000 \[−0\.02484, \+0\.02484\]: no difference\./.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /adds 50% of the zoo's cost/.test(l)));
    assert.ok(lines.some((l) => /sBEND\/50 − original: mean single model, test accuracy [+−]0\.00 \[[^\]]+\] points: no difference\./.test(l)), lines.join('\n'));
  });

  it('charts: every seed a point, the mean with its 95% interval, and a y range around the data', () => {
    const figure = seedsFigure(bend.runs, { 'zoo ensemble/10.acc': 'zoo' }, { title: 't', yTitle: 'acc', scale: 100 });
    const [points, mean] = figure.data as { y: number[]; error_y?: { array: number[] } }[];
    assert.deepEqual(points.y.map((v) => Math.round(v * 100) / 100), [90, 91, 92]);
    assert.ok(Math.abs(mean.y[0] - 91) < 1e-9 && Math.abs(mean.error_y!.array[0] - 4.303 * 1 / Math.sqrt(3)) < 1e-3);
    const [low, high] = (figure.layout.yaxis as { range: number[] }).range;
    assert.ok(low > 80 && low < 90 && high > 92 && high < 100, `range ${low}–${high} hugs the data`);
    assert.equal(resultFigures(bend).length, 3);
  });

  it('D2NWG\'s levers: the main run then each lever, D2NWG beside the prototype and trained heads, its % of trained taken per seed', () => {
    const run = (generated: number[], trained: number[]) => aggregated(generated.map((g, i) => ({
      'all.generated.mean': g, 'all.generated.shotSelected': g + 0.02, 'all.prototype.mean': 0.65, 'all.trained.mean': trained[i],
      'combination.generated.mean': g, 'combination.trained.mean': trained[i],
    })));
    const prototypes = run([0.6], [0.8]);
    const d2nwg: ResultsFile = {
      ...resultsFile('d2nwg', { quick: run([0.5, 0.54, 0.58], [0.8, 0.8, 0.8]) }),
      ablations: { levers: { 'quick-prototypes': { ...prototypes, seeds: [1], perSeed: prototypes.perSeed.map((s) => ({ ...s, seed: 1 })) }, 'quick-more-tasks': run([0.4, 0.6], [0.5, 1]) } },
    };
    const table = resultTable(d2nwg, 'd2nwg-levers');
    assert.deepEqual(table.header.slice(0, 7), ['run', 'lever', 'all tasks: D2NWG mean of heads', 'all tasks: D2NWG shot-selected',
      'all tasks: prototype head', 'all tasks: trained head', 'all tasks: D2NWG % of trained']);
    assert.equal(table.header[7], 'unseen class combinations: D2NWG mean of heads');
    const rows = tableObjects(table);
    assert.deepEqual(rows.map((r) => r.run), ['`quick` · 3 seeds', '`quick-prototypes` · one seed', '`quick-more-tasks` · 2 seeds']);
    assert.deepEqual(rows.map((r) => r.lever.split(' ')[0]), ['none', 'condition', 'twice']);
    assert.deepEqual([rows[0]['all tasks: D2NWG mean of heads'], rows[0]['all tasks: D2NWG shot-selected'], rows[0]['all tasks: prototype head'],
      rows[0]['all tasks: trained head'], rows[0]['all tasks: D2NWG % of trained']], ['54.00 ± 4.00', '56.00 ± 4.00', '65.00 ± 0.00', '80.00 ± 0.00', '67.5 ± 5.0']);
    assert.equal(rows[1]['all tasks: D2NWG mean of heads'], '60.00', 'one seed: the value alone');
    assert.equal(rows[1]['all tasks: D2NWG % of trained'], '75.0');
    // Per seed 80% and 60%: the mean of the ratios, not the ratio of the means (50 / 75 = 66.7%).
    assert.equal(rows[2]['all tasks: D2NWG % of trained'], '70.0 ± 14.1');
    assert.equal(rows[2]['unseen class combinations: prototype head'], '–', 'a metric no seed measured');
    // Against the preset on the seeds both ran: seed 1 only (60 − 54), and seeds 0–1 (40 − 50, 60 − 54).
    const versus = 'all tasks: D2NWG mean − `quick`\'s, same seeds';
    assert.deepEqual(rows.map((r) => r[versus].split(' [')[0]), ['–', '+6.00 (one seed, no interval)', '−2.00']);
    assert.deepEqual(resultVerdicts(d2nwg).filter((line) => line.includes('same seeds')), [
      'quick-prototypes (one seed) − quick, D2NWG\'s mean test accuracy over held-out tasks, same seeds +6.00 (one seed, no interval) points.',
      `quick-more-tasks (2 seeds) − quick, D2NWG's mean test accuracy over held-out tasks, same seeds ${rows[2][versus]} points: no difference.`,
    ]);
    assert.equal(resultTable(resultsFile('d2nwg', { quick: run([0.5], [0.8]) }), 'd2nwg-levers').rows.length, 1, 'a file without levers: the main run alone');
  });

  it('D2NWG\'s bars are read on every held-out task and on unseen class combinations, the kind the 90% bar is set on', () => {
    // Combinations: 4 points above the prototype on every seed, and 84% / 86% / 88% of the trained head.
    const d2nwg = resultsFile('d2nwg', { standard: aggregated([0.84, 0.86, 0.88].map((share) => ({
      'all.generated.mean': 0.6, 'all.prototype.mean': 0.7, 'all.trained.mean': 0.8,
      'combination.generated.mean': 0.7 * share / 0.84, 'combination.prototype.mean': 0.7 * share / 0.84 - 0.04,
      'combination.trained.mean': 0.7 / 0.84,
    }))) });
    const lines = resultVerdicts(d2nwg);
    assert.ok(lines.includes('standard (3 seeds): D2NWG − prototype, mean test accuracy over held-out tasks −10.00 [−10.00, −10.00] points: lower.'), lines.join('\n'));
    assert.ok(lines.includes('standard (3 seeds): D2NWG − prototype, mean test accuracy over unseen class combinations +4.00 [+4.00, +4.00] points: higher.'), lines.join('\n'));
    const share = lines.find((l) => l.includes('on unseen class combinations as a share'));
    assert.match(share!, /\+86\.0 \[\+81\.0, \+91\.0\]%: the bar is inside the interval\.$/);
    assert.ok(!lines.some((l) => l.includes('classRetrieval')), 'a method no seed measured gets no line');
  });

  it('whole networks: a row per variant, the zoo once, and each gap against the issue\'s ±1.0-point bar over the generator seeds', () => {
    const variant = (generated: number[]) => aggregated(generated.map((g) => ({
      'zoo.mean': 0.965, 'zoo.median': 0.966, 'generated.mean': g, 'generated.median': g, 'weightAverage.test': 0.95,
    })));
    const ddpm = variant([0.95]);
    const whole: ResultsFile = {
      ...resultsFile('pdiff', {}),
      ablations: { whole: { full: variant([0.961, 0.962, 0.960]), 'no-align': variant([0.90, 0.92, 0.91]), ddpm } },
    };
    const rows = tableObjects(resultTable(whole, 'whole'));
    assert.deepEqual(rows.map((r) => [r.networks, r.variant]), [['`whole-quick`', 'full · 3 seeds'], ['`whole-quick`', 'no-align · 3 seeds'], ['`whole-quick`', 'ddpm · one seed']]);
    assert.deepEqual([rows[0]['zoo mean'], rows[0]['generated mean'], rows[0]['weight average'], rows[0]['C_T weight']], ['96.50', '96.10 ± 0.10', '95.00', '–']);
    assert.deepEqual(resultTable(whole, 'ablations').rows, [], 'whole networks are not one of Table 2\'s ablations');
    assert.deepEqual(resultVerdicts(whole), [
      'whole-quick full (3 seeds): generated mean − zoo mean test accuracy −0.40 [−0.65, −0.15] points: lower; within ±1.0 point of the zoo\'s (the issue\'s bar).',
      'whole-quick full (3 seeds): generated median − zoo median test accuracy −0.50 [−0.75, −0.25] points: lower; within ±1.0 point of the zoo\'s (the issue\'s bar).',
      'whole-quick no-align (3 seeds): generated mean − zoo mean test accuracy −5.50 [−7.98, −3.02] points: lower; more than 1.0 point below the zoo\'s.',
      'whole-quick no-align (3 seeds): generated median − zoo median test accuracy −5.60 [−8.08, −3.12] points: lower; more than 1.0 point below the zoo\'s.',
      'whole-quick ddpm (one seed): generated mean − zoo mean test accuracy −1.50 (one seed, no interval) points.',
      'whole-quick ddpm (one seed): generated median − zoo median test accuracy −1.60 (one seed, no interval) points.',
      'whole-quick full − no-align, generated mean test accuracy, same seeds +5.10 [+2.73, +7.47] points: higher.',
    ]);
    const noBn = { ...whole, ablations: { whole: { full: whole.ablations.whole.full, 'no-bn-recalibration': variant([0.951, 0.952, 0.950]) } } };
    assert.equal(resultVerdicts(noBn).at(-1), 'whole-quick full − no-bn-recalibration, generated mean test accuracy, same seeds +1.00 [+1.00, +1.00] points: higher.');
    const straddling = variant([0.955, 0.965, 0.960]);
    assert.match(resultVerdicts({ ...whole, ablations: { whole: { full: straddling } } })[0], /: no difference; the interval reaches past ±1\.0 point: not shown within the bar\.$/);
  });

  it('p-diff\'s Table-2 contrasts: setting − the paper\'s recipe on the same seeds, beside the paper\'s number', () => {
    const run = (generated: number[]) => aggregated(generated.map((g) => ({ 'generated.mean': g })));
    const pdiff: ResultsFile = {
      ...resultsFile('pdiff', {}),
      ablations: { noise: { none: run([0.90, 0.91, 0.92]), both: run([0.90, 0.91, 0.92]) }, snapshots: { 'K = 1': run([0.91, 0.92, 0.935]), 'K = 200': run([0.90, 0.91, 0.92]) } },
    };
    assert.deepEqual(resultVerdicts(pdiff), [
      'quick ablation noise, none − both (3 seeds), generated mean test accuracy (the paper\'s claim: noise augmentation helps; the paper: −6.6 points) +0.00 [+0.00, +0.00] points: no difference.',
      `quick ablation snapshots, K = 1 − K = 200 (3 seeds), generated mean test accuracy (the paper's claim: more snapshots give better and more varied models) ${intervalText(meanInterval([0.01, 0.01, 0.015]), 100)} points: higher.`,
    ]);
  });

  it('reads a paper\'s files largest scale first and refuses a file of another paper', () => {
    const dir = dirs.make();
    fs.writeFileSync(path.join(dir, 'bend-quick.json'), JSON.stringify(bend));
    fs.writeFileSync(path.join(dir, 'bend-standard.json'), JSON.stringify({ ...bend, scale: 'standard' }));
    assert.deepEqual(readResults(dir, 'bend').map((r) => r.scale), ['standard', 'quick']);
    assert.deepEqual(readResults(dir, 'd2nwg'), []);
    fs.writeFileSync(path.join(dir, 'pdiff-quick.json'), JSON.stringify(bend));
    assert.throws(() => readResults(dir, 'pdiff'), /holds bend at quick scale, not pdiff at quick/);
  });
});
