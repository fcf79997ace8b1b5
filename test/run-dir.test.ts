import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BASE_MODEL_FILE } from '../lib/zoo/collect';
import { pdiffPreset } from '../lib/pdiff/config';
import { runPdiff } from '../lib/pdiff/run';
import type { PdiffResults } from '../lib/pdiff/results';
import { trainPdiffPipeline } from '../lib/pdiff/pipeline';
import { claimRunDir, clearRunDir, DIFFUSION_STATE_FILE, RUN_FILE } from '../lib/util/run-dir';
import { ConfigMismatchError, WriteError } from '../lib/util/errors';
import { readSafetensors } from '../lib/zoo/safetensors';
import { simulateFullDisk } from './helpers/disk';
import { tmpDirs } from './helpers/tmp-dirs';
import { runConfig, runData } from './helpers/resumable-run';

const dirs = tmpDirs('run');
const tmp = dirs.make;
after(dirs.cleanup);
const asRecord = (c: object) => c as unknown as Record<string, unknown>;

describe('run directory: one config per --out', () => {
  it('run.json pins the directory; another config is refused naming the differing fields', () => {
    const dir = tmp();
    claimRunDir(dir, asRecord(runConfig));
    claimRunDir(dir, asRecord({ ...runConfig })); // the same config again: fine
    const changed = { ...runConfig, autoencoderTrain: { ...runConfig.autoencoderTrain, steps: 40 }, noiseSigmas: [0.01, 0.05] };
    assert.throws(() => claimRunDir(dir, asRecord(changed)), (e: unknown) =>
      e instanceof ConfigMismatchError && e.file === path.join(dir, RUN_FILE) &&
      e.fields.join() === 'autoencoderTrain.steps,noiseSigmas' && /another config \(autoencoderTrain\.steps, noiseSigmas differ\)/.test(e.message));
  });

  it('the pipeline refuses another config before any work', () => {
    const dir = tmp();
    claimRunDir(dir, asRecord(runConfig));
    const changed = { ...runConfig, collect: { ...runConfig.collect, snapshots: 7 } };
    assert.throws(() => trainPdiffPipeline(runData(), changed, dir, undefined, 'run'), /collect\.snapshots differ/);
    assert.ok(!fs.existsSync(path.join(dir, BASE_MODEL_FILE)), 'nothing was trained');
  });

  it('clearRunDir deletes what runs write, temporary files of killed writes included, and nothing else', () => {
    const dir = tmp();
    for (const f of [RUN_FILE, BASE_MODEL_FILE, DIFFUSION_STATE_FILE, `.${DIFFUSION_STATE_FILE}.123.456.tmp`, 'notes.txt']) fs.writeFileSync(path.join(dir, f), 'x');
    fs.mkdirSync(path.join(dir, 'zoo'));
    fs.writeFileSync(path.join(dir, 'zoo', 'manifest.json'), '{}');
    assert.deepEqual(clearRunDir(dir).sort(), [`.${DIFFUSION_STATE_FILE}.123.456.tmp`, BASE_MODEL_FILE, DIFFUSION_STATE_FILE, RUN_FILE, 'zoo'].sort());
    assert.deepEqual(fs.readdirSync(dir), ['notes.txt']);
  });

  it('the CLI refuses another config at once, says which fields differ and suggests --restart', () => {
    const dir = tmp();
    claimRunDir(dir, asRecord(pdiffPreset('quick', 1)));
    const cli = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, '..', 'lib', 'cli', 'pdiff.ts'), '--preset', 'quick', '--out', dir],
      { encoding: 'utf8', timeout: 60_000 });
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /run\.json was saved by a run with another config \(seed differ\).*\nre-run with --restart/s);
  });
});

describe('run directory: a full disk during a run', () => {
  /** Everything a run reports except its wall times (the stages' and each compared sampler's). */
  const numbers = ({ timings: _t, samplers, ...rest }: PdiffResults) => ({ ...rest, samplers: samplers.map(({ seconds: _s, ...run }) => run) });

  it('stops with a WriteError naming the file, keeps the previous state readable, and a re-run ends with the uninterrupted numbers', () => {
    const reference = runPdiff(runData(), runConfig, tmp(), 'test');
    const dir = tmp();
    const stateFile = path.join(dir, DIFFUSION_STATE_FILE);
    const disk = simulateFullDisk(DIFFUSION_STATE_FILE);
    try {
      assert.throws(() => runPdiff(runData(), runConfig, dir, 'test', (stage, step) => { if (stage === 'diffusion' && step === 10) disk.full = true; }, 'run'),
        (e: unknown) => e instanceof WriteError && e.file === stateFile && e.code === 'ENOSPC');
    } finally {
      disk.restore();
    }
    assert.equal(JSON.parse(readSafetensors(stateFile).metadata.state).step, 10, 'the state of step 10 is intact');
    const resumed = runPdiff(runData(), runConfig, dir, 'test', undefined, 'run');
    assert.deepEqual(numbers(resumed), numbers(reference));
  });
});
