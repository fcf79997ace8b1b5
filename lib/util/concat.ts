/** Typed arrays joined end to end into one of the same kind (Float32Array.of(...a, ...b) without the spread's limits). */
export function concatTyped<T extends Float32Array | Int32Array>(parts: readonly T[], make: (length: number) => T): T {
  const out = make(parts.reduce((total, p) => total + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
