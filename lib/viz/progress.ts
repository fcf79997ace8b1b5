/** Progress lines for long stages: `label step/total (pct) · metrics · elapsed · ETA`. */

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function progressLine(
  label: string, step: number, total: number, elapsedSeconds: number, metrics: Record<string, number> = {},
): string {
  const pct = total > 0 ? ((100 * step) / total).toFixed(0) : '?';
  const eta = step > 0 ? (elapsedSeconds / step) * (total - step) : Number.NaN;
  const shown = Object.entries(metrics).map(([k, v]) => `${k} ${formatMetric(v)}`);
  return [`${label} ${step}/${total} (${pct}%)`, ...shown, `elapsed ${formatDuration(elapsedSeconds)}`, `ETA ${formatDuration(eta)}`]
    .join(' · ');
}

function formatMetric(v: number): string {
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2);
  return v.toFixed(4);
}
