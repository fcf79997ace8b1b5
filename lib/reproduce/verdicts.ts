/**
 * What a results file says, in sentences computed from it: each claim as a paired difference over
 * the seeds (same seed, same zoo) with its 95% interval, called a difference only when the interval
 * excludes zero, and one-seed numbers labelled as such.
 */
import { meanInterval, type Interval } from '../eval/interval';
import type { Aggregated, ResultsFile } from './aggregate';
import { PAPER_CONTRASTS, PAPER_GENERATED_MEAN } from './paper-numbers';
import { LEVERS, WHOLE, WHOLE_PRESETS } from './plan';

/** `a − b` per seed where both were measured, and their interval; undefined if no seed has both. */
export function pairedDifference(run: Aggregated, a: string, b: string): Interval | undefined {
  const diffs = run.perSeed.filter((s) => a in s.metrics && b in s.metrics).map((s) => s.metrics[a] - s.metrics[b]);
  return diffs.length ? meanInterval(diffs) : undefined;
}

/** `metric` of run `a` − of run `b`, per seed both measured (same seed, same task plan), and their interval. */
export function crossRunDifference(a: Aggregated, b: Aggregated, metric: string): Interval | undefined {
  const diffs = a.perSeed.flatMap((s) => {
    const other = b.perSeed.find((o) => o.seed === s.seed);
    return other && metric in s.metrics && metric in other.metrics ? [s.metrics[metric] - other.metrics[metric]] : [];
  });
  return diffs.length ? meanInterval(diffs) : undefined;
}

/** `+0.12`, `−0.05`: a signed number with a true minus sign. */
const signed = (v: number, digits: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;

/** `+0.12 [−0.05, +0.30]` (scaled), or `+0.12 (one seed)`. */
export function intervalText(i: Interval, scale = 1, digits = 2): string {
  const f = (v: number) => signed(v * scale, digits);
  return i.ci95 ? `${f(i.mean)} [${f(i.ci95[0])}, ${f(i.ci95[1])}]` : `${f(i.mean)} (one seed, no interval)`;
}

/** 'higher' / 'lower' when the interval excludes zero, 'no difference' when it covers it, 'one seed' without one. */
export function direction(i: Interval): 'higher' | 'lower' | 'no difference' | 'one seed' {
  if (!i.ci95) return 'one seed';
  return i.ci95[0] > 0 ? 'higher' : i.ci95[1] < 0 ? 'lower' : 'no difference';
}

const label = (preset: string, a: Aggregated) => `${preset} (${a.seeds.length === 1 ? 'one seed' : `${a.seeds.length} seeds`})`;

/** `<what> <interval><unit>: <reading>`, where a one-seed number reads as just that. */
function claim(what: string, i: Interval, reading: string, scale = 1, digits = 2, unit = ''): string {
  return `${what} ${intervalText(i, scale, digits)}${unit}${i.ci95 ? `: ${reading}` : ''}.`;
}

function pdiffVerdicts(r: ResultsFile): string[] {
  return pdiffRunVerdicts(r).concat(ablationVerdicts(r), wholeVerdicts(r));
}

/** The paper's Table-2 contrasts on our runs: setting a − setting b on the seeds both ran, beside the paper's number where it gives one. */
function ablationVerdicts(r: ResultsFile): string[] {
  return PAPER_CONTRASTS.flatMap(({ ablation, a, b, claim: theirs }) => {
    const settings = r.ablations[ablation];
    const d = settings?.[a] && settings[b] && crossRunDifference(settings[a], settings[b], 'generated.mean');
    if (!d) return [];
    const paper = PAPER_GENERATED_MEAN[ablation];
    const reported = paper?.[a] !== undefined && paper[b] !== undefined ? `; the paper: ${signed(paper[a] - paper[b], 1)} points` : '';
    const seeds = d.n === 1 ? 'one seed' : `${d.n} seeds`;
    const what = `${r.scale} ablation ${ablation}, ${a} − ${b} (${seeds}), generated mean test accuracy (the paper's claim: ${theirs}${reported})`;
    return [claim(what, d, direction(d), 100, 2, ' points')];
  });
}

function pdiffRunVerdicts(r: ResultsFile): string[] {
  return Object.entries(r.runs).flatMap(([preset, run]) => {
    const lines: string[] = [];
    const gen = pairedDifference(run, 'generated.mean', 'heldOut.mean');
    if (gen) lines.push(claim(`${label(preset, run)}: generated mean − held-out mean test accuracy`, gen, direction(gen), 100, 2, ' points'));
    const cT = run.aggregate['audit.cT.function'];
    if (cT) {
      const reading = direction(cT) === 'lower' ? 'closer to the training zoo than held-out members: copying'
        : direction(cT) === 'higher' ? 'farther from the training zoo than held-out members: no copying' : 'no different from held-out members';
      lines.push(claim(`${label(preset, run)}: C_T in function space`, cT, reading));
    }
    return lines;
  });
}

/** Issue 15's bar: generated networks within 1.0 point of the zoo's test accuracy (in [0, 1] units). */
const WHOLE_BAR = 0.01;

/** Where a gap's 95% interval lies against ±WHOLE_BAR. */
function barReading(gap: Interval): string {
  const [low, high] = gap.ci95!;
  if (low >= -WHOLE_BAR && high <= WHOLE_BAR) return 'within ±1.0 point of the zoo\'s (the issue\'s bar)';
  if (high < -WHOLE_BAR) return 'more than 1.0 point below the zoo\'s';
  if (low > WHOLE_BAR) return 'more than 1.0 point above the zoo\'s';
  return 'the interval reaches past ±1.0 point: not shown within the bar';
}

/** What one switch of the recipe adds: the variant with it − the variant without it, on the seeds both ran. */
const WHOLE_CONTRASTS = [['full', 'no-align'], ['full', 'no-bn-recalibration'], ['latent-ddpm-behaviour', 'latent-ddpm'], ['long-flow', 'full'],
  ['long-flow-merge-many', 'long-flow'], ['long-flow-val-floor', 'long-flow']] as const;

/**
 * Whole-network generation against issue 15's bar, per variant: generated − zoo test accuracy (mean
 * and median) over the generator seeds, each seed against the one zoo; and what alignment, BN
 * recalibration, the behavioural loss, a longer-trained flow, MergeMany and the validation floor add (WHOLE_CONTRASTS).
 */
export function wholeVerdicts(r: ResultsFile): string[] {
  const variants = r.ablations[WHOLE] ?? {};
  const preset = WHOLE_PRESETS[r.scale];
  const lines = Object.entries(variants).flatMap(([variant, run]) => (['mean', 'median'] as const).flatMap((stat) => {
    const gap = pairedDifference(run, `generated.${stat}`, `zoo.${stat}`);
    return gap ? [claim(`${label(`${preset} ${variant}`, run)}: generated ${stat} − zoo ${stat} test accuracy`, gap,
      gap.ci95 ? `${direction(gap)}; ${barReading(gap)}` : '', 100, 2, ' points')] : [];
  }));
  for (const [with_, without] of WHOLE_CONTRASTS) {
    const d = variants[with_] && variants[without] && crossRunDifference(variants[with_], variants[without], 'generated.mean');
    if (d) lines.push(claim(`${preset} ${with_} − ${without}, generated mean test accuracy, same seeds`, d, direction(d), 100, 2, ' points'));
  }
  return lines;
}

/** The largest M of `method` the run has (`<method>/<M>.acc`). */
function largest(run: Aggregated, method: string): string | undefined {
  const sizes = Object.keys(run.aggregate).filter((k) => k.startsWith(`${method}/`) && k.endsWith('.acc')).map((k) => Number(k.slice(method.length + 1, -4)));
  return sizes.length ? `${method}/${Math.max(...sizes)}` : undefined;
}

function bendVerdicts(r: ResultsFile): string[] {
  return Object.entries(r.runs).flatMap(([preset, run]) => {
    const zoo = largest(run, 'zoo ensemble');
    const plus = largest(run, 'zoo + sBEND');
    const sbend = largest(run, 'sBEND');
    if (!zoo || !plus || !sbend) return [];
    const lines: string[] = [];
    for (const [score, name, scale, digits] of [['acc', 'test accuracy', 100, 2], ['nll', 'NLL', 1, 5]] as const) {
      const d = pairedDifference(run, `${plus}.${score}`, `${zoo}.${score}`);
      const better = score === 'nll' ? 'lower' : 'higher';
      const reading = (dir: string) => (dir === better ? `${dir} (better)` : dir === 'no difference' ? dir : `${dir} (worse)`);
      if (d) lines.push(claim(`${label(preset, run)}: ${plus} − ${zoo}, ${name}`, d, reading(direction(d)), scale, digits));
    }
    const cost = run.aggregate[`${plus}.extraCost`];
    if (cost) lines.push(`${label(preset, run)}: the generator adds ${(100 * cost.mean).toFixed(0)}% of the zoo's cost.`);
    for (const single of ['original: mean single', 'original: median single', 'generated: mean single', 'generated: median single']) {
      const d = pairedDifference(run, `${sbend}.acc`, `${single}/1.acc`);
      if (d) lines.push(claim(`${label(preset, run)}: ${sbend} − ${single} model, test accuracy`, d, direction(d), 100, 2, ' points'));
    }
    return lines;
  });
}

/** Where D2NWG's bars are read: every held-out task, and the kind the issue's bar is set on (unseen class combinations). */
const D2NWG_SCOPES = [
  { kind: 'all', what: 'held-out tasks', against: ['prototype', 'logisticRegression', 'classRetrieval', 'shuffledCondition', 'randomCondition'] },
  { kind: 'combination', what: 'unseen class combinations', against: ['prototype', 'classRetrieval'] },
] as const;

/** D2NWG's heads against the bars a reviewer sets (the prototype head, retrieval, the controls, logistic regression) and the trained reference. */
function d2nwgVerdicts(r: ResultsFile): string[] {
  return Object.entries(r.runs).flatMap(([preset, run]) => D2NWG_SCOPES.flatMap(({ kind, what, against }) => {
    const generated = `${kind}.generated.mean`;
    const lines = against.flatMap((other) => {
      const d = pairedDifference(run, generated, `${kind}.${other}.mean`);
      return d ? [claim(`${label(preset, run)}: D2NWG − ${other}, mean test accuracy over ${what}`, d, direction(d), 100, 2, ' points')] : [];
    });
    const ratio = run.perSeed.filter((s) => generated in s.metrics && `${kind}.trained.mean` in s.metrics)
      .map((s) => s.metrics[generated] / s.metrics[`${kind}.trained.mean`]);
    if (ratio.length) {
      const share = meanInterval(ratio);
      const reading = !share.ci95 ? '' : share.ci95[1] < 0.9 ? 'below the bar' : share.ci95[0] >= 0.9 ? 'at or above the bar' : 'the bar is inside the interval';
      lines.push(claim(`${label(preset, run)}: D2NWG's mean head accuracy on ${what} as a share of the trained heads' (the paper's bar: 90%)`, share, reading, 100, 1, '%'));
    }
    return lines;
  })).concat(leverVerdicts(r));
}

/** Each D2NWG lever against the preset it switches, on the seeds both ran. */
function leverVerdicts(r: ResultsFile): string[] {
  const base = r.runs[r.scale];
  if (!base) return [];
  return Object.entries(r.ablations[LEVERS] ?? {}).flatMap(([preset, run]) => {
    const d = crossRunDifference(run, base, 'all.generated.mean');
    return d ? [claim(`${label(preset, run)} − ${r.scale}, D2NWG's mean test accuracy over held-out tasks, same seeds`, d, direction(d), 100, 2, ' points')] : [];
  });
}

/** The claims a results file supports or not, one sentence each. */
export function resultVerdicts(r: ResultsFile): string[] {
  return r.paper === 'pdiff' ? pdiffVerdicts(r) : r.paper === 'bend' ? bendVerdicts(r) : d2nwgVerdicts(r);
}
