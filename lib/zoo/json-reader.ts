import { FileFormatError } from '../util/errors';

/**
 * Typed access to a JSON object read from a file: each getter checks the field's type and
 * otherwise throws a FileFormatError naming the file and the field's path (e.g. `checkpoints[3].step`).
 */
export class JsonReader {
  private constructor(
    readonly file: string,
    private readonly value: Record<string, unknown>,
    private readonly path: string,
  ) {}

  /** Parses `text` as a JSON object. */
  static parse(file: string, text: string): JsonReader {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new FileFormatError(file, `not valid JSON (${(err as Error).message})`);
    }
    if (!isObject(json)) throw new FileFormatError(file, `expected a JSON object, got ${describe(json)}`);
    return new JsonReader(file, json, '');
  }

  fail(key: string, problem: string): never {
    throw new FileFormatError(this.file, `${this.path}${key}: ${problem}`);
  }

  /** True if the field is present and null (absent is an error: every field is written). */
  isNull(key: string): boolean {
    if (this.value[key] === undefined) this.fail(key, 'missing');
    return this.value[key] === null;
  }

  string(key: string): string {
    return this.typed(key, 'a string', (v): v is string => typeof v === 'string');
  }

  /** A safe integer ≥ 0 (counts, sizes, steps, seeds). */
  integer(key: string): number {
    return this.typed(key, 'an integer ≥ 0', isCount);
  }

  number(key: string): number {
    return this.typed(key, 'a finite number', isFiniteNumber);
  }

  numberOrNull(key: string): number | null {
    return this.typed(key, 'a finite number or null', (v): v is number | null => v === null || isFiniteNumber(v));
  }

  numbers(key: string): number[] {
    return this.arrayOf(key, 'finite numbers', isFiniteNumber);
  }

  integers(key: string): number[] {
    return this.arrayOf(key, 'integers ≥ 0', isCount);
  }

  strings(key: string): string[] {
    return this.arrayOf(key, 'strings', (x): x is string => typeof x === 'string');
  }

  /** A plain JSON object, unchecked inside (e.g. a run config). */
  record(key: string): Record<string, unknown> {
    return this.typed(key, 'an object', isObject);
  }

  object(key: string): JsonReader {
    return new JsonReader(this.file, this.typed(key, 'an object', isObject), `${this.path}${key}.`);
  }

  objects(key: string): JsonReader[] {
    const items = this.arrayOf(key, 'objects', isObject);
    return items.map((item, i) => new JsonReader(this.file, item, `${this.path}${key}[${i}].`));
  }

  private arrayOf<T>(key: string, items: string, guard: (v: unknown) => v is T): T[] {
    return this.typed(key, `an array of ${items}`, (v): v is T[] => Array.isArray(v) && v.every(guard));
  }

  private typed<T>(key: string, expected: string, guard: (v: unknown) => v is T): T {
    const v = this.value[key];
    if (!guard(v)) this.fail(key, v === undefined ? 'missing' : `expected ${expected}, got ${describe(v)}`);
    return v;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A safe integer ≥ 0: a count, size, offset or index. */
export function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
