/**
 * Command-line overrides of any config field (nanoGPT's configurator): `--set path=value`, where
 * `path` is the field's dotted path (`autoencoderTrain.steps`) and `value` is JSON when it parses
 * as JSON (`500`, `true`, `null`, `["fc/*"]`, `{"kind":"ddim"}`), else the text as a string
 * (`dataset=mnist`). The field must exist and the value must have its JSON type:
 *
 * - number, string, boolean, array, object: the same type only (arrays and objects are replaced
 *   whole, not merged); a string that reads as JSON is quoted: `preset='"123"'`.
 * - null (a nullable field now unset): a number or null.
 *
 * Ranges, integers and the shapes inside replaced arrays and objects are left to the configs' own
 * checks, which run on the overridden config like on any other.
 */
import { isPlainObject } from './config-diff';
import { InputError } from './errors';

type JsonType = 'null' | 'number' | 'string' | 'boolean' | 'array' | 'object';

/** A copy of `config` with each `path=value` of `sets` applied in order; `config` is not changed. */
export function applyOverrides<T>(config: T, sets: readonly string[]): T {
  return sets.reduce((current, set) => applyOverride(current, set), config);
}

function applyOverride<T>(config: T, set: string): T {
  const eq = set.indexOf('=');
  if (eq <= 0) throw new InputError(`--set ${set}: expected path=value, e.g. autoencoderTrain.steps=500`);
  const path = set.slice(0, eq);
  const value = parseValue(set.slice(eq + 1));
  const keys = path.split('.');
  const fail = (problem: string): never => { throw new InputError(`--set ${set}: ${problem}`); };
  return replaceAt(config, keys, 0, value, fail) as T;
}

/** JSON when the text parses as JSON, else the text itself. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `node` with the field at `keys[i..]` replaced by `value`, copying only the objects on the path. */
function replaceAt(node: unknown, keys: string[], i: number, value: unknown, fail: (problem: string) => never): unknown {
  const at = keys.slice(0, i).join('.') || 'the config';
  if (!isPlainObject(node)) return fail(`${at} is ${describeType(jsonType(node))}, which has no fields`);
  const key = keys[i];
  if (!Object.hasOwn(node, key) || node[key] === undefined) {
    return fail(`${at} has no field ${key} (fields: ${Object.keys(node).filter((k) => node[k] !== undefined).join(', ')})`);
  }
  if (i < keys.length - 1) return { ...node, [key]: replaceAt(node[key], keys, i + 1, value, fail) };
  const expected = jsonType(node[key]);
  const given = jsonType(value);
  if (!accepts(expected, given)) {
    const takes = expected === 'null' ? 'a number or null' : describeType(expected);
    fail(`${keys.join('.')} takes ${takes}, got ${JSON.stringify(value)} (${describeType(given)})`);
  }
  return { ...node, [key]: value };
}

/** The rule above: the same JSON type, and a null field also takes a number. */
function accepts(expected: JsonType, given: JsonType): boolean {
  return expected === given || (expected === 'null' && given === 'number');
}

function jsonType(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  if (t === 'number' || t === 'string' || t === 'boolean') return t;
  return 'object';
}

function describeType(t: JsonType): string {
  return t === 'null' ? 'null' : `${t === 'array' || t === 'object' ? 'an' : 'a'} ${t}`;
}
