/**
 * Comparing run configs: a canonical JSON text (sorted keys) to hash, and the dotted paths of the
 * fields where two configs differ, so a refused resume can say what changed.
 */
import { createHash } from 'node:crypto';

/** JSON with sorted keys, so equal configs give equal text whatever order their fields were set in. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 (hex) of the config's canonical JSON. */
export function configHash(config: unknown): string {
  return createHash('sha256').update(stableJson(config)).digest('hex');
}

/**
 * Dotted paths (`autoencoderTrain.steps`, `subset[1]`) of the leaves where `saved` (read from a
 * file) and `current` differ. Both are compared as JSON, so undefined fields count as absent.
 */
export function differingFields(saved: unknown, current: unknown): string[] {
  const out: string[] = [];
  walk(asJson(saved), asJson(current), '', out);
  return out;
}

function asJson(value: unknown): unknown {
  return JSON.parse(stableJson(value));
}

function walk(a: unknown, b: unknown, at: string, out: string[]): void {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) walk(a[k], b[k], at ? `${at}.${k}` : k, out);
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((item, i) => walk(item, b[i], `${at}[${i}]`, out));
  } else if (stableJson(a) !== stableJson(b)) {
    out.push(at || '(the whole config)');
  }
}

/** A JSON object: not null, not an array. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
