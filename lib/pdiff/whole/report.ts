/** A self-contained HTML page of a whole-network run: the zoo against the generated networks, alignment, the copying audit. */
import { fixed, pctText } from '../../viz/format';
import { reportPage } from '../../viz/plotly-html';
import { rowsToHtml, type Row } from '../../viz/table';
import type { WholeResults } from './results';

/** Test accuracy (%) of the zoo and of the generated networks, and the audit's numbers, one row each. */
export function summaryTable(r: WholeResults): Row[] {
  const audit = r.audit;
  const row = (what: string, value: string) => ({ what, value });
  return [
    row('zoo test mean / median', `${pctText(r.zoo.test.mean)} / ${pctText(r.zoo.test.median)} (${r.zoo.members} members, ${r.zoo.heldOut} held out)`),
    row('generated test mean / median', `${pctText(r.generated.test.mean)} / ${pctText(r.generated.test.median)} (${r.generated.perNetwork.test.length} networks)`),
    row('gap mean / median (points)', `${fixed(100 * r.gap.mean, 2)} / ${fixed(100 * r.gap.median, 2)}`),
    row('alignment: mean L2 to the reference', `${fixed(r.alignment.distanceBefore, 3)} → ${fixed(r.alignment.distanceAfter, 3)}`),
    ...(audit ? [
      row('C_T weight / function', [audit.copying.weight.cT, audit.copying.function.cT].map((c) => (c === null ? '– (no cell kept)' : fixed(c, 2))).join(' / ')),
      row('NN median, generated / held-out (function)', `${fixed(audit.nearest.function.generated.median, 4)} / ${fixed(audit.nearest.function['held-out'].median, 4)}`),
      row('generated beyond the baselines\' front', `${fixed(100 * audit.front.beyondFraction, 0)}%`),
    ] : []),
  ];
}

export function renderWholeReport(r: WholeResults): string {
  return reportPage(`whole networks ${r.preset} seed ${r.seed}`, `<h1>Whole-network generation — preset <code>${r.preset}</code>, seed ${r.seed}</h1>
<p>${r.model.kind}, ${r.model.parameters} parameters; generator ${r.config.generator} on ${r.config.space}; alignment ${r.config.align};
BN statistics ${r.config.bnRecalibration}; backend ${r.backend}. No fine-tuning anywhere.</p>
${rowsToHtml(summaryTable(r))}`);
}
