import { assertCleanRun } from './fuzz/assert-summary';
import { fuzzInWorker } from './fuzz/in-worker';

describe('fuzz: CIFAR-10 binary reader', function () {
  this.timeout(180_000);
  it('2,000 seeded mutations: each ends in valid data or a FileFormatError naming the file, none hangs or over-allocates', async () => {
    const s = await fuzzInWorker({ target: 'cifar10', cases: 2000, seed: 0 }, 150_000);
    assertCleanRun(s, 2000, [/not a positive multiple of the N-byte CIFARN record/, /record N has label N/]);
  });
});
