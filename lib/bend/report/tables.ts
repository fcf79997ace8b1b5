/** BEND's result tables as rows of plain values (for arquero, HTML and the console). */
import { fixed, pct } from '../../viz/format';
import type { BendResults } from '../results';
import type { Row } from '../../viz/table';


/** The results table: every ensemble and baseline with val/test accuracy and test NLL / ECE. */
export function methodsTable(results: BendResults): Row[] {
  return results.methods.map((m) => ({
    method: m.method,
    M: m.members,
    detail: m.detail,
    'val acc (%)': pct(m.val.accuracy),
    'test acc (%)': pct(m.test.accuracy),
    'test NLL': fixed(m.test.nll),
    'test ECE (%)': pct(m.test.ece),
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
  }));
}

/** Pairwise diversity (on test) of the generated members, the original snapshots and the deep ensemble. */
export function diversityTable(results: BendResults): Row[] {
  const names = { generated: 'generated', originals: 'original snapshots', deepEnsemble: 'deep ensemble' } as const;
  return (Object.keys(names) as (keyof typeof names)[]).map((key) => {
    const d = results.diversity[key];
    return {
      members: names[key],
      count: d.members,
      pairs: d.pairs,
      disagreement: fixed(d.disagreement),
      'Q-statistic': fixed(d.qStatistic),
      'wrong-set IoU': fixed(d.wrongIoU),
      'mean single test acc (%)': pct(d.meanTestAccuracy),
    };
  });
}

/** Wall seconds: what BEND's members cost against training the deep ensemble, and inference of each. */
export function costTable(results: BendResults): Row[] {
  const { bend, deepEnsemble, evaluate, resumedStages } = results.cost;
  const s = (v: number) => fixed(v, 1);
  const stage = (key: string, label: string) => (resumedStages.includes(key) ? `${label} (resumed: partial cost)` : label);
  const rows: Row[] = [
    { approach: 'BEND', stage: stage('collect', 'zoo: task model + K snapshots'), seconds: s(bend.collect) },
    { approach: 'BEND', stage: stage('autoencoder', 'autoencoder'), seconds: s(bend.autoencoder) },
    { approach: 'BEND', stage: stage('diffusion', 'latent diffusion'), seconds: s(bend.diffusion) },
    { approach: 'BEND', stage: `sampling + decoding ${results.counts.generated} members`, seconds: s(bend.sample) },
    { approach: 'BEND', stage: 'total to produce the members', seconds: s(bend.total) },
  ];
  deepEnsemble.train.forEach((t, i) => rows.push({ approach: 'deep ensemble', stage: `train model ${i + 1}`, seconds: s(t) }));
  rows.push(
    { approach: 'deep ensemble', stage: `total to train ${deepEnsemble.train.length} models`, seconds: s(deepEnsemble.total) },
    { approach: 'BEND', stage: `inference val + test (features once, ${results.counts.generated} heads)`, seconds: s(evaluate.bend) },
    { approach: 'deep ensemble', stage: `inference val + test (${deepEnsemble.train.length} full forward passes)`, seconds: s(evaluate.deepEnsemble) },
  );
  return rows;
}
