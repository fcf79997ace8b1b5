/** BEND's result tables as rows of plain values (for arquero, HTML and the console). */
import { fixed, pct } from '../../viz/format';
import type { Row } from '../../viz/table';
import { findMethod } from '../methods';
import type { BendResults, DiversityGain, MethodScore } from '../results';

const seconds = (v: number) => fixed(v, 1);
const points = (v: number) => fixed(100 * v, 2);

/** Every row with val/test accuracy, test NLL / ECE / Brier, OOD AUROC and cost. */
export function methodsTable(results: BendResults): Row[] {
  return results.methods.map((m) => ({
    method: m.method,
    M: m.members,
    detail: m.detail,
    'val acc (%)': pct(m.val.accuracy),
    'test acc (%)': pct(m.test.accuracy),
    'test NLL': fixed(m.test.nll),
    'test ECE (%)': pct(m.test.ece),
    'test Brier': fixed(m.test.brier),
    'OOD AUROC MSP': fixed(m.ood.msp),
    'OOD AUROC entropy': fixed(m.ood.entropy),
    'cost (s)': seconds(m.cost.total),
  }));
}

/** The paper's claim: sBEND and aBEND of all M_max members against the mean and median single original and generated model (test accuracy). */
export function paperTable(results: BendResults): Row[] {
  const { paper } = results;
  const against: [string, number][] = [
    ['original: mean single', paper.original.mean], ['original: median single', paper.original.median],
    ['generated: mean single', paper.generated.mean], ['generated: median single', paper.generated.median],
  ];
  return against.map(([name, acc]) => ({
    'single model': name,
    'test acc (%)': pct(acc),
    [`sBEND M=${paper.members} − it (points)`]: points(paper.sbend - acc),
    [`aBEND M=${paper.members} − it (points)`]: points(paper.abend - acc),
  }));
}

/**
 * The equal-budget comparison: every baseline and BEND ensemble (and the val-selected single
 * original for reference), with test accuracy, NLL and the wall seconds beyond the zoo.
 */
export function budgetTable(results: BendResults): Row[] {
  const zoo = findMethod(results.methods, 'zoo ensemble');
  const rows = [findMethod(results.methods, 'original: val-selected single'), ...results.methods.filter((m) => m.group !== 'single')];
  return rows.map((m) => ({
    method: m.method,
    M: m.members,
    detail: m.detail,
    'test acc (%)': pct(m.test.accuracy),
    'Δ acc vs zoo ensemble (points)': points(m.test.accuracy - zoo.test.accuracy),
    'test NLL': fixed(m.test.nll),
    'Δ NLL vs zoo ensemble': fixed(m.test.nll - zoo.test.nll),
    'cost (s)': seconds(m.cost.total),
    'of which beyond the zoo (s)': seconds(m.cost.extra),
  }));
}

/** Calibration and OOD detection of every single-model summary and ensemble (test split; OOD images vs test images). */
export function calibrationTable(results: BendResults): Row[] {
  const keep = (m: MethodScore) => m.group !== 'single' || /(mean|val-selected) single$/.test(m.method);
  return results.methods.filter(keep).map((m) => ({
    method: m.method,
    M: m.members,
    'test acc (%)': pct(m.test.accuracy),
    NLL: fixed(m.test.nll),
    'ECE (%)': pct(m.test.ece),
    Brier: fixed(m.test.brier),
    'AUROC MSP': fixed(m.ood.msp),
    'AUROC entropy': fixed(m.ood.entropy),
  }));
}

/** Test accuracy (%) vs ensemble size M for each rule, with aBEND's τ chosen on val. */
export function curveTable(results: BendResults): Row[] {
  const { curve } = results;
  return curve.sizes.map((m, i) => ({
    M: m,
    sBEND: pct(curve.sbend.test[i]),
    aBEND: pct(curve.abend.test[i]),
    'aBEND τ': curve.abend.tau[i],
    vote: pct(curve.vote.test[i]),
    [`zoo (${results.counts.originals}) + sBEND`]: pct(curve.zooPlusSbend.test[i]),
  }));
}

/** Every population's diversity entries, in reading order. */
export function diversityEntries(results: BendResults): DiversityGain[] {
  const d = results.diversity;
  return [d.generated, d.originals, d.zooPlusGenerated, ...d.noise, d.deepEnsemble];
}

/** Pairwise diversity on test of each population, with what its sBEND ensemble gains over its mean member. */
export function diversityTable(results: BendResults): Row[] {
  return diversityEntries(results).map((d) => ({
    members: d.label,
    count: d.members,
    disagreement: fixed(d.disagreement),
    'Q-statistic': fixed(d.qStatistic),
    'wrong-set IoU': fixed(d.wrongIoU),
    'mean single acc (%)': pct(d.meanTestAccuracy),
    'ensemble acc (%)': pct(d.ensembleTestAccuracy),
    'acc gain (points)': points(d.accuracyGain),
    'NLL gain': fixed(d.nllGain),
  }));
}

/** Wall seconds: what the zoo, BEND's generator and the baselines cost, and inference of each. */
export function costTable(results: BendResults): Row[] {
  const { bend, noise, deepEnsemble, evaluate, resumedStages, borrowedFrom } = results.cost;
  const stage = (key: string, label: string) => (resumedStages.includes(key) ? `${label} (resumed: partial cost)`
    : borrowedFrom ? `${label} (as trained in ${borrowedFrom})` : label);
  const n = results.counts.originals;
  const rows: Row[] = [
    { approach: 'zoo', stage: stage('collect', `trunk (task model) + ${n} zoo members (${results.zoo.recipe})`), seconds: seconds(bend.collect) },
    { approach: 'BEND', stage: stage('autoencoder', 'autoencoder'), seconds: seconds(bend.autoencoder) },
    { approach: 'BEND', stage: stage('diffusion', 'latent diffusion'), seconds: seconds(bend.diffusion) },
    { approach: 'BEND', stage: `sampling + decoding ${results.counts.generated} members`, seconds: seconds(bend.sample) },
    { approach: 'BEND', stage: 'total to produce the members (zoo included)', seconds: seconds(bend.total) },
  ];
  noise.forEach((c) => rows.push({ approach: 'noise copies', stage: `${results.counts.generated} copies, σ = ${c.sigma}`, seconds: seconds(c.seconds) }));
  deepEnsemble.train.forEach((t, i) => rows.push({ approach: 'deep ensemble (full networks)', stage: `train model ${i + 1}`, seconds: seconds(t) }));
  rows.push(
    { approach: 'deep ensemble (full networks)', stage: `total to train ${deepEnsemble.train.length} models`, seconds: seconds(deepEnsemble.total) },
    { approach: 'BEND', stage: `inference val + test + OOD (features once, ${results.counts.generated} heads)`, seconds: seconds(evaluate.bend) },
    { approach: 'deep ensemble (full networks)', stage: `inference val + test + OOD (${deepEnsemble.train.length} full forward passes)`, seconds: seconds(evaluate.deepEnsemble) },
  );
  return rows;
}
