import { strict as assert } from 'node:assert';
import type { FuzzSummary } from './run-cases';

/**
 * A clean fuzz run: every case ran and ended in valid data or a FileFormatError naming the file,
 * some cases were valid, and the errors include each of `reached` (so the mutations get past the
 * first check to each of the reader's checks, rather than failing the same way every time).
 */
export function assertCleanRun(s: FuzzSummary, cases: number, reached: RegExp[]): void {
  assert.deepEqual(s.failures, [], `${s.failureCount} failures`);
  assert.equal(s.cases, cases);
  assert.ok(s.valid > 0, 'no mutated input was accepted');
  const kinds = Object.keys(s.errors);
  for (const pattern of reached) assert.ok(kinds.some((k) => pattern.test(k)), `no error matched ${pattern}; kinds seen: ${kinds.join(' | ')}`);
}
