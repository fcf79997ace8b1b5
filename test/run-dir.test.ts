import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ZOO_DIR } from '../lib/zoo/collect';
import { BASE_MODEL_FILE } from '../lib/zoo/base-model';
import { prepareOutDir, type RunArgs } from '../lib/cli/run-args';
import { preset } from '../lib/pdiff/config';
import { run } from '../lib/pdiff/run';
import type { PdiffResults } from '../lib/pdiff/results';
import { PDiffPipeline } from '../lib/pdiff/pipeline';
import { createModel } from '../lib/models/registry';
import { DIFFUSION_STATE_FILE } from '../lib/pdiff/run-dir';
import { claimRunDir, clearRunDir, REPORT_FILE, RUN_FILE } from '../lib/util/run-dir';
import { ConfigMismatchError, InputError, WriteError } from '../lib/util/errors';
import { readSafetensors } from '../lib/zoo/safetensors';
import { simulateFullDisk } from './helpers/disk';
import { tmpDirs } from './helpers/tmp-dirs';
import { runConfig, runData } from './helpers/resumable-run';
import { releaseRunDir } from '../lib/util/run-lock';

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
    const pipeline = new PDiffPipeline(changed, { outDir: dir });
    const model = createModel(changed.collect.model, 0);
    try {
      assert.throws(() => pipeline.collect(model, runData()), /collect\.snapshots differ/);
    } finally {
      pipeline.dispose();
      model.dispose();
    }
    assert.ok(!fs.existsSync(path.join(dir, BASE_MODEL_FILE)), 'nothing was trained');
  });

  it('clearRunDir deletes the outputs it is given, run.json, results and report, temporary files of killed writes included, and nothing else', () => {
    const dir = tmp();
    const kept = ['notes.txt', 'other-state.safetensors', `.other-state.safetensors.1.2.tmp`];
    for (const f of [RUN_FILE, REPORT_FILE, BASE_MODEL_FILE, DIFFUSION_STATE_FILE, `.${DIFFUSION_STATE_FILE}.123.456.tmp`, `.${RUN_FILE}.7.8.tmp`, ...kept]) {
      fs.writeFileSync(path.join(dir, f), 'x');
    }
    fs.mkdirSync(path.join(dir, ZOO_DIR));
    fs.writeFileSync(path.join(dir, ZOO_DIR, 'manifest.json'), '{}');
    assert.deepEqual(clearRunDir(dir, [BASE_MODEL_FILE, DIFFUSION_STATE_FILE, ZOO_DIR, 'never-written.bin']).sort(),
      [`.${DIFFUSION_STATE_FILE}.123.456.tmp`, `.${RUN_FILE}.7.8.tmp`, BASE_MODEL_FILE, DIFFUSION_STATE_FILE, REPORT_FILE, RUN_FILE, ZOO_DIR].sort());
    assert.deepEqual(fs.readdirSync(dir).sort(), [...kept].sort());
  });

  it('clearRunDir refuses an output that is not a plain name inside the directory', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, RUN_FILE), 'x');
    for (const bad of ['../elsewhere', 'sub/file', '..', '']) {
      assert.throws(() => clearRunDir(dir, [bad]), (e: unknown) => e instanceof InputError && e.message.includes(JSON.stringify(bad)));
    }
    assert.ok(fs.existsSync(path.join(dir, RUN_FILE)), 'nothing was deleted');
  });

  it('prepareOutDir refuses --out naming an existing file (or inside one), and --restart clears only the outputs given', () => {
    const dir = tmp();
    const file = path.join(dir, 'results.txt');
    fs.writeFileSync(file, 'x');
    const args = (out: string, restart = false): RunArgs => ({ preset: 'quick', seed: 0, out, restart, sets: [] });
    assert.throws(() => prepareOutDir(args(file), 'pdiff', 'quick', []), (e: unknown) =>
      e instanceof InputError && e.message === `--out ${file}: it is an existing file, not a directory; name a directory`);
    assert.throws(() => prepareOutDir(args(path.join(file, 'run')), 'pdiff', 'quick', []), (e: unknown) =>
      e instanceof InputError && e.message.includes(`${file} is an existing file`));
    assert.equal(prepareOutDir(args(path.join(dir, 'new', 'run')), 'pdiff', 'quick', []), path.join(dir, 'new', 'run'));

    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    for (const f of [RUN_FILE, 'a.bin', 'b.bin']) fs.writeFileSync(path.join(out, f), 'x');
    assert.equal(prepareOutDir(args(out, true), 'pdiff', 'quick', ['a.bin']), out);
    // --restart holds the directory's lock before deleting anything, and keeps it for the run.
    assert.deepEqual(fs.readdirSync(out).sort(), ['b.bin', 'run.lock']);
    releaseRunDir(out);
    assert.deepEqual(fs.readdirSync(out), ['b.bin']);
  });

  it('the CLI refuses another config at once, says which fields differ and suggests --restart', () => {
    const dir = tmp();
    claimRunDir(dir, asRecord(preset('quick', 1)));
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
    const reference = run(runConfig, runData(), { outDir: tmp() });
    const dir = tmp();
    const stateFile = path.join(dir, DIFFUSION_STATE_FILE);
    const disk = simulateFullDisk(DIFFUSION_STATE_FILE);
    try {
      const onProgress = (stage: string, step: number) => { if (stage === 'diffusion' && step === 10) disk.full = true; };
      assert.throws(() => run(runConfig, runData(), { outDir: dir, onProgress }),
        (e: unknown) => e instanceof WriteError && e.file === stateFile && e.code === 'ENOSPC');
    } finally {
      disk.restore();
    }
    assert.equal(JSON.parse(readSafetensors(stateFile).metadata.state).step, 10, 'the state of step 10 is intact');
    const resumed = run(runConfig, runData(), { outDir: dir });
    assert.deepEqual(numbers(resumed), numbers(reference));
  });
});
