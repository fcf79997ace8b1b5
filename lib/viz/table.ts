/** Result tables as rows of plain values, printed for the console or rendered as HTML. */
export type Row = Record<string, string | number>;

export function rowsToHtml(rows: Row[]): string {
  if (rows.length === 0) return '<p>(empty)</p>';
  const keys = Object.keys(rows[0]);
  const esc = (v: unknown) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const head = keys.map((k) => `<th>${esc(k)}</th>`).join('');
  const body = rows.map((r) => `<tr>${keys.map((k) => `<td>${esc(r[k])}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function rowsToText(rows: Row[]): string {
  if (rows.length === 0) return '(empty)';
  const keys = Object.keys(rows[0]);
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(keys), ...rows.map((r) => line(keys.map((k) => String(r[k]))))].join('\n');
}
