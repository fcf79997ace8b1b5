/**
 * BEND's results table: single models of each population, the equal-budget baselines (the zoo's
 * own ensemble, the weight average, noise-added copies, a deep ensemble of full networks) and
 * BEND's ensembles alone and added to the zoo, each with its cost; and the paper's comparison.
 * Every zoo baseline uses all N zoo members (the generator's training members and the held-out ones).
 */
import { concatOf, firstOf, memberCount, type EvalOutputs } from '../ensemble/outputs';
import { isIndependentZoo, type ZooRecipe } from '../pdiff/config';
import type { BendConfig } from './config';
import type { EvalScores, MethodScore, PaperComparison } from './results';
import { costOf, perMember, scoreEnsemble, singleRows, type SplitLabels } from './rows';
import { chooseTau, chooseTopK } from './sweeps';

/** The populations BEND compares, each on val, test and the OOD images. */
export interface BendOutputs {
  generated: EvalOutputs;
  /** All N zoo members. */
  zoo: EvalOutputs;
  /** The one model whose subset is the mean of the N zoo members'. */
  weightAverage: EvalOutputs;
  /** M_max noise-added copies of the zoo members per σ. */
  noise: { sigma: number; outputs: EvalOutputs }[];
  deepEnsemble: EvalOutputs;
}

/** Wall seconds of producing each population. */
export interface PopulationCosts {
  /** Trunk (task model training) + the N zoo members. */
  zoo: number;
  /** Autoencoder + latent diffusion. */
  generator: number;
  /** Sampling + decoding all M_max members. */
  sample: number;
  /** Making the copies, per σ. */
  noise: number[];
  /** Training every model of the deep ensemble. */
  deepEnsemble: number;
}

type BendOptions = Omit<BendConfig, 'pdiff'>;

/** Per-member scores of the populations with single-model rows. */
export interface MemberScores {
  generated: EvalScores[];
  zoo: EvalScores[];
  deepEnsemble: EvalScores[];
}

export function memberScores(outputs: BendOutputs, labels: SplitLabels, bins: number): MemberScores {
  return {
    generated: perMember(outputs.generated, labels, bins),
    zoo: perMember(outputs.zoo, labels, bins),
    deepEnsemble: perMember(outputs.deepEnsemble, labels, bins),
  };
}

const zooDetail = (recipe: ZooRecipe, n: number) => (isIndependentZoo(recipe)
  ? `deep ensemble of the ${n} independently trained zoo members${recipe === 'recipes' ? ', each with its own training setting' : ''}`
  : `snapshot ensemble of the ${n} trajectory snapshots`);

/** Single-model rows and the baselines that use no generator. */
function baselineRows(outputs: BendOutputs, members: MemberScores, labels: SplitLabels, costs: PopulationCosts, recipe: ZooRecipe, bins: number): MethodScore[] {
  const n = memberCount(outputs.zoo);
  const zooCost = costOf(costs.zoo, 0);
  const sbend = { rule: 'sbend' } as const;
  const rows: MethodScore[] = [
    ...singleRows('original', members.zoo, zooCost),
    ...singleRows('generated', members.generated, costOf(costs.zoo, costs.generator + costs.sample)),
    ...singleRows('deep-ensemble model', members.deepEnsemble, costOf(0, costs.deepEnsemble)),
    { method: 'zoo ensemble', group: 'baseline', members: n, detail: zooDetail(recipe, n), ...scoreEnsemble(outputs.zoo, labels, sbend, bins), cost: zooCost },
    { method: 'weight average', group: 'baseline', members: 1, detail: `mean of the ${n} zoo members' parameters`, ...scoreEnsemble(outputs.weightAverage, labels, sbend, bins), cost: zooCost },
  ];
  outputs.noise.forEach(({ sigma, outputs: copies }, i) => {
    const m = memberCount(copies);
    const cost = costOf(costs.zoo, costs.noise[i]);
    rows.push(
      { method: `noise copies σ=${sigma}`, group: 'baseline', members: m, detail: `zoo member m mod ${n} + N(0, σ²)`, ...scoreEnsemble(copies, labels, sbend, bins), cost },
      { method: `zoo + noise copies σ=${sigma}`, group: 'baseline', members: n + m, detail: `${n} zoo + ${m} copies`, ...scoreEnsemble(concatOf(outputs.zoo, copies), labels, sbend, bins), cost },
    );
  });
  const d = memberCount(outputs.deepEnsemble);
  rows.push({
    method: 'deep ensemble (full networks)', group: 'baseline', members: d, detail: `${d} task models trained from scratch`,
    ...scoreEnsemble(outputs.deepEnsemble, labels, sbend, bins), cost: costOf(0, costs.deepEnsemble),
  });
  return rows;
}

/** sBEND, aBEND, vote and zoo + sBEND at each size M, and sBEND over the val top-k; generation cost pro rata M / M_max. */
function bendRows(outputs: BendOutputs, genVal: number[], labels: SplitLabels, costs: PopulationCosts, options: BendOptions): MethodScore[] {
  const bins = options.eceBins;
  const mMax = memberCount(outputs.generated);
  const n = memberCount(outputs.zoo);
  const cost = (m: number) => costOf(costs.zoo, costs.generator + (costs.sample * m) / mMax);
  const rows: MethodScore[] = [];
  for (const m of options.calibrationSizes) {
    const members = firstOf(outputs.generated, m);
    const a = chooseTau(members, labels, genVal.slice(0, m), options.tauGrid, bins);
    const row = (method: string, size: number, detail: string, s: EvalScores): MethodScore => ({ method, group: 'bend', members: size, detail, ...s, cost: cost(m) });
    rows.push(
      row('sBEND', m, '', scoreEnsemble(members, labels, { rule: 'sbend' }, bins)),
      row('aBEND', m, `τ = ${a.tau} (val)`, a.scores),
      row('vote', m, 'NLL/ECE of the vote fractions', scoreEnsemble(members, labels, { rule: 'vote' }, bins)),
      row('zoo + sBEND', n + m, `${n} zoo + ${m} generated`, scoreEnsemble(concatOf(outputs.zoo, members), labels, { rule: 'sbend' }, bins)),
    );
  }
  const topK = chooseTopK(outputs.generated, labels, genVal, options.topKGrid, bins);
  rows.push({ method: 'sBEND top-k', group: 'bend', members: topK.k, detail: `k by val of ${mMax}`, ...topK.scores, cost: cost(mMax) });
  return rows;
}

/** Every row of the results table. */
export function methodRows(
  outputs: BendOutputs, members: MemberScores, labels: SplitLabels, costs: PopulationCosts, recipe: ZooRecipe, options: BendOptions,
): MethodScore[] {
  const genVal = members.generated.map((s) => s.val.accuracy);
  return [...baselineRows(outputs, members, labels, costs, recipe, options.eceBins), ...bendRows(outputs, genVal, labels, costs, options)];
}

/** A row by method name and, optionally, size; throws when absent. */
export function findMethod(methods: readonly MethodScore[], method: string, members?: number): MethodScore {
  const row = methods.find((m) => m.method === method && (members === undefined || m.members === members));
  if (!row) throw new Error(`no '${method}' row${members === undefined ? '' : ` with M = ${members}`} in the results`);
  return row;
}

/** The paper's claim on test accuracy: sBEND and aBEND of all M_max members vs the mean and median single original and generated model. */
export function paperComparison(methods: readonly MethodScore[], mMax: number): PaperComparison {
  const acc = (method: string, members?: number) => findMethod(methods, method, members).test.accuracy;
  return {
    members: mMax,
    sbend: acc('sBEND', mMax),
    abend: acc('aBEND', mMax),
    original: { mean: acc('original: mean single'), median: acc('original: median single') },
    generated: { mean: acc('generated: mean single'), median: acc('generated: median single') },
  };
}
