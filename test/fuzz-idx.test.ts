import { assertCleanRun } from './fuzz/assert-summary';
import { fuzzInWorker } from './fuzz/in-worker';

describe('fuzz: IDX reader (plain and gzipped files)', function () {
  this.timeout(180_000);
  it('2,000 seeded mutations: each ends in valid data or a FileFormatError naming the file, none hangs or over-allocates', async () => {
    const s = await fuzzInWorker({ target: 'idx', cases: 2000, seed: 0 }, 150_000);
    assertCleanRun(s, 2000, [/corrupt gzip/, /too short for an IDX header/, /bad IDX magic/, /element type code .* not supported/,
      /IDX header has N dims/, /truncated IDX header/, /contain a zero/, /truncated IDX data/, /trailing bytes/]);
  });
});
