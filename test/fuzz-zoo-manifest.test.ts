import { assertCleanRun } from './fuzz/assert-summary';
import { fuzzInWorker } from './fuzz/in-worker';

describe('fuzz: zoo manifest reader (loadZoo with a mutated manifest.json)', function () {
  this.timeout(180_000);
  it('2,000 seeded mutations: each ends in a valid zoo or a FileFormatError naming the file, no prototype pollution', async () => {
    const s = await fuzzInWorker({ target: 'zoo-manifest', cases: 2000, seed: 0 }, 150_000);
    assertCleanRun(s, 2000, [/not valid JSON/, /formatVersion/, /paramManifest\.entries\[…\]\.shape/, /checkpoints/, /norm/,
      /says the zoo is \[…\] \(…\), but params.safetensors holds/, /does not match the checksum/]);
  });
});
