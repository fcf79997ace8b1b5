/**
 * Runs seeded fuzz cases against one target and sorts each outcome: valid data, a
 * FileFormatError naming the file (counted by kind of problem), or a failure — any other
 * exception, an error that does not name the file, a case slower than `maxCaseMs`, a case that
 * allocates more than `maxAllocationBytes`, a polluted Object prototype, or a file opened outside
 * the case's directory (a path taken from the input).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileFormatError } from '../../lib/util/errors';
import { Rng } from '../../lib/util/rng';
import { openedFiles } from '../helpers/opened-files';
import { pick } from './mutate';
import { fuzzTargets } from './targets';

export interface FuzzOptions {
  target: string;
  cases: number;
  /** Case i of seed s is always the same input. */
  seed: number;
  maxCaseMs: number;
  maxAllocationBytes: number;
}

export const defaultFuzzOptions = { seed: 0, maxCaseMs: 2000, maxAllocationBytes: 64 * 1024 * 1024 };

export interface FuzzSummary {
  target: string;
  cases: number;
  valid: number;
  /** FileFormatErrors by kind of problem (numbers and names blanked out). */
  errors: Record<string, number>;
  /** At most 20 failures, each with the case that reproduces it. */
  failures: { case: number; problem: string }[];
  failureCount: number;
  seconds: number;
}

/** The kind of a problem message: values, names, offending JSON and parenthesised details blanked out. */
export function problemKind(problem: string): string {
  return problem
    .replace(/(, got|invalid shape|invalid data_offsets) .*$/s, '$1 …')
    .replace(/JSON \(.*$/s, 'JSON (…)') // JSON.parse messages quote the damaged text
    .replace(/\([^)]*\)/g, '(…)')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\[[^\]]*\]/g, '[…]')
    .replace(/0x[0-9a-f]+/gi, '0x…')
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?|NaN|-?Infinity/gi, 'N');
}

export function runCases(options: FuzzOptions, onCase?: (i: number) => void): FuzzSummary {
  const target = fuzzTargets[options.target];
  if (!target) throw new Error(`unknown fuzz target ${options.target}; targets: ${Object.keys(fuzzTargets).join(', ')}`);
  const seeds = target.seeds();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `paramdiff-fuzz-${target.name}-`));
  const summary: FuzzSummary = { target: target.name, cases: 0, valid: 0, errors: {}, failures: [], failureCount: 0, seconds: 0 };
  const fail = (i: number, problem: string) => {
    summary.failureCount++;
    if (summary.failures.length < 20) summary.failures.push({ case: i, problem });
  };
  const started = performance.now();
  try {
    for (let i = 0; i < options.cases; i++) {
      onCase?.(i);
      const rng = new Rng(options.seed * 1_000_003 + i);
      const input = target.mutate(rng, pick(rng, seeds));
      const external = process.memoryUsage().arrayBuffers;
      const t = performance.now();
      let error: unknown;
      const opened = openedFiles(() => {
        try {
          target.read(dir, input);
        } catch (err) {
          error = err ?? new Error('threw a nullish value');
        }
      });
      if (error === undefined) {
        summary.valid++;
      } else if (error instanceof FileFormatError && error.file.startsWith(dir)) {
        const kind = problemKind(error.problem);
        summary.errors[kind] = (summary.errors[kind] ?? 0) + 1;
      } else {
        fail(i, `${(error as Error).name}: ${(error as Error).message}`);
      }
      const ms = performance.now() - t;
      if (ms > options.maxCaseMs) fail(i, `took ${ms.toFixed(0)} ms`);
      const grown = process.memoryUsage().arrayBuffers - external;
      if (grown > options.maxAllocationBytes) fail(i, `allocated ${(grown / 2 ** 20).toFixed(0)} MiB for ${input.length} input bytes`);
      if (({} as Record<string, unknown>).polluted !== undefined) fail(i, 'Object.prototype was polluted');
      const outside = opened.filter((f) => !path.resolve(f).startsWith(dir + path.sep));
      if (outside.length) fail(i, `opened files outside its directory: ${outside.join(', ')}`);
      summary.cases++;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
