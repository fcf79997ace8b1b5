/**
 * BEND's verdict lines, computed from a run's results (the notebook and the report print them; no
 * number in them is typed by hand). Each states one comparison of issue 16 on test: the paper's
 * claim, the zoo + BEND against the zoo's own ensemble at its added cost, diversity, and
 * calibration and OOD detection. One run is one seed: the lines give no interval.
 */
import { isIndependentZoo } from '../../pdiff/config';
import { findMethod } from '../methods';
import type { BendResults, MethodScore } from '../results';

/** `d` with its sign (± when it rounds to zero at `digits`). */
const signed = (d: number, digits = 4) => {
  const text = Math.abs(d).toFixed(digits);
  return `${Number(text) === 0 ? '±' : d > 0 ? '+' : '−'}${text}`;
};
const points = (d: number) => `${signed(100 * d, 2)} points`;
const percent = (v: number) => `${(100 * v).toFixed(2)}%`;

/** The paper's claim: BEND of all M_max members beats the mean and median single original and generated model (test accuracy). */
export function paperVerdict(results: BendResults): string {
  const { paper } = results;
  const refs: [string, number][] = [
    ['mean original', paper.original.mean], ['median original', paper.original.median],
    ['mean generated', paper.generated.mean], ['median generated', paper.generated.median],
  ];
  const rule = (name: string, acc: number) => {
    const beaten = refs.filter(([, a]) => acc > a).length;
    const outcome = beaten === refs.length ? 'beats all four' : `beats ${beaten} of ${refs.length}`;
    return `${name} ${percent(acc)} ${outcome} (${refs.map(([label, a]) => `${points(acc - a)} vs ${label}`).join(', ')})`;
  };
  return `The paper's claim, BEND (M = ${paper.members}) above the mean and median single original and generated model: ` +
    `${rule('sBEND', paper.sbend)}; ${rule('aBEND', paper.abend)}.`;
}

function zooName(results: BendResults): string {
  const n = results.counts.originals;
  return isIndependentZoo(results.zoo.recipe) ? `the deep ensemble of the same ${n} independently trained zoo members` : `the snapshot ensemble of the same ${n} snapshots`;
}

const versus = (row: MethodScore, base: MethodScore) => `${points(row.test.accuracy - base.test.accuracy)}, NLL ${signed(row.test.nll - base.test.nll)}`;

/** Zoo + M generated against the zoo's own ensemble at each M, with what the generator adds to the zoo's cost; and the noise-copies control. */
export function zooVerdict(results: BendResults): string[] {
  const zoo = findMethod(results.methods, 'zoo ensemble');
  const n = zoo.members;
  const sizes = results.methods.filter((m) => m.method === 'zoo + sBEND').map((m) => m.members - n);
  const partial = results.cost.resumedStages.length ? ` (resumed stages: ${results.cost.resumedStages.join(', ')}; their costs are partial)` : '';
  const perM = sizes.map((m) => {
    const row = findMethod(results.methods, 'zoo + sBEND', n + m);
    const share = zoo.cost.total > 0 ? ` = ${(100 * row.cost.extra / zoo.cost.total).toFixed(0)}% of the zoo's ${zoo.cost.total.toFixed(0)} s` : '';
    return `M = ${m}: ${versus(row, zoo)} (+${row.cost.extra.toFixed(1)} s${share})`;
  });
  const lines = [
    `Zoo (${results.zoo.recipe}, N = ${n}) + sBEND of M generated vs ${zooName(results)} (${percent(zoo.test.accuracy)}, NLL ${zoo.test.nll.toFixed(4)}), ` +
    `test accuracy and NLL: ${perM.join('; ')}${partial}. One seed: a difference means something only beyond the seed-to-seed spread.`,
  ];
  const mMax = results.counts.generated;
  const bend = findMethod(results.methods, 'zoo + sBEND', n + mMax);
  const noise = results.methods.filter((m) => m.method.startsWith('zoo + noise copies'));
  if (noise.length) {
    lines.push(`Control, zoo + ${mMax} noise-added copies of its own members instead of ${mMax} generated (zoo + sBEND ${percent(bend.test.accuracy)}, ` +
      `NLL ${bend.test.nll.toFixed(4)}): ${noise.map((m) => `${m.method.replace('zoo + noise copies ', '')} ${versus(m, bend)}`).join('; ')} (relative to zoo + sBEND).`);
  }
  return lines;
}

/** Generated members' pairwise disagreement next to the zoo's own and the deep ensemble's, with each ensemble's gain. */
export function diversityVerdict(results: BendResults): string {
  const d = results.diversity;
  const entry = (e: (typeof d)['generated'], name: string) =>
    `${name} ${e.disagreement.toFixed(4)} (Q ${e.qStatistic.toFixed(3)}, wrong-set IoU ${e.wrongIoU.toFixed(3)}; ensemble vs its mean member ${points(e.accuracyGain)}, NLL ${signed(-e.nllGain)})`;
  return `Pairwise test disagreement: ${entry(d.generated, `the ${d.generated.members} generated members`)}; ` +
    `${entry(d.originals, `the ${d.originals.members} zoo members`)}; ${entry(d.zooPlusGenerated, 'zoo + generated')}; ` +
    `${entry(d.deepEnsemble, `the deep ensemble of ${d.deepEnsemble.members} full networks`)}.`;
}

/** OOD AUROC (entropy and MSP) and test NLL / ECE of the main single-model and ensemble rows; the best AUROC of all rows. */
export function oodVerdict(results: BendResults): string {
  const n = results.counts.originals;
  const mMax = results.counts.generated;
  const rows = [
    findMethod(results.methods, 'original: mean single'), findMethod(results.methods, 'generated: mean single'),
    findMethod(results.methods, 'zoo ensemble'), findMethod(results.methods, 'sBEND', mMax),
    findMethod(results.methods, 'zoo + sBEND', n + mMax), findMethod(results.methods, 'deep ensemble (full networks)'),
  ];
  const best = results.methods.reduce((a, b) => (b.ood.entropy > a.ood.entropy ? b : a));
  const label = (m: MethodScore) => (m.members > 1 ? `${m.method} (${m.members})` : m.method);
  const { ood } = results;
  return `OOD detection (${ood.images} images of ${ood.dataset} vs ${ood.inDistribution} test images), AUROC entropy / MSP, and test NLL / ECE: ` +
    `${rows.map((m) => `${label(m)} ${m.ood.entropy.toFixed(3)} / ${m.ood.msp.toFixed(3)}, ${m.test.nll.toFixed(4)} / ${percent(m.test.ece)}`).join('; ')}. ` +
    `Best AUROC (entropy) of every row: ${label(best)} ${best.ood.entropy.toFixed(3)}.`;
}

/** Every verdict line, in the notebook's order. */
export function verdict(results: BendResults): string[] {
  return [paperVerdict(results), ...zooVerdict(results), diversityVerdict(results), oodVerdict(results)];
}
