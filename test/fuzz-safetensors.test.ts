import { assertCleanRun } from './fuzz/assert-summary';
import { fuzzInWorker } from './fuzz/in-worker';

describe('fuzz: safetensors reader', function () {
  this.timeout(180_000);
  it('2,000 seeded mutations (bytes, length prefix, header fields, NaN/Inf payloads): valid data or a FileFormatError, no hang, no large allocation', async () => {
    const s = await fuzzInWorker({ target: 'safetensors', cases: 2000, seed: 0 }, 150_000);
    assertCleanRun(s, 2000, [/too short/, /exceeds the N-byte limit/, /truncated: header declares N bytes of header/, /not valid UTFN/,
      /not valid JSON/, /invalid shape/, /invalid data_offsets/, /has no dtype/, /data section has N bytes/, /__metadata__ must be/]);
  });
});
