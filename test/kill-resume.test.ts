import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { PdiffResults } from '../lib/pdiff/results';
import { AUTOENCODER_STATE_FILE, DIFFUSION_STATE_FILE, RESULTS_FILE } from '../lib/util/run-dir';
import { tmpDirs } from './helpers/tmp-dirs';

const CHILD = path.join(__dirname, 'helpers', 'kill-child.ts');

interface ChildRun {
  /** Progress lines ("<stage> <step>/<total>") the child printed. */
  lines: string[];
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

/** Runs the small p-diff run (helpers/resumable-run) in `out` in a child process; SIGKILLs it as soon as it prints a line matching `killAt`. */
function runChild(out: string, killAt?: RegExp): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', CHILD, out], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (killAt?.test(line)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ lines, code, signal, stderr }));
  });
}

const stageLines = (run: ChildRun, stage: string) => run.lines.filter((l) => l.startsWith(`${stage} `));
const readResults = (dir: string): PdiffResults => JSON.parse(fs.readFileSync(path.join(dir, RESULTS_FILE), 'utf8'));

/** Everything a run reports except its wall times (the stages' and each compared sampler's). */
function numbers(r: PdiffResults) {
  const { timings: _timings, samplers, ...rest } = r;
  return { ...rest, samplers: samplers.map(({ seconds: _seconds, ...run }) => run) };
}

describe('kill and resume: SIGKILL at every long stage, then the same command again', function () {
  this.timeout(240_000);
  let reference: PdiffResults;
  const dirs = tmpDirs('kill');
  const tmp = dirs.make;
  after(dirs.cleanup);

  before(async () => {
    const dir = tmp();
    const run = await runChild(dir);
    assert.equal(run.code, 0, run.stderr);
    reference = readResults(dir);
  });

  it('a run killed in base training, collection, autoencoder, diffusion and evaluation ends with the numbers of an uninterrupted run', async () => {
    const dir = tmp();
    // Each kill lands right after a progress line; the next run must continue, not start over.
    const kills: { at: RegExp; check: (next: ChildRun) => void }[] = [
      { at: /^train 20\//, check: () => {} }, // base model training is redone: it is not saved before it ends
      { at: /^collect 4\//, check: (next) => {
        assert.deepEqual(stageLines(next, 'train'), [], 'the trained base model is reused');
        assert.ok(!stageLines(next, 'collect').includes('collect 1/6'), 'the collection continues after snapshot 3');
      } },
      { at: /^autoencoder 20\//, check: (next) => {
        assert.deepEqual(stageLines(next, 'collect'), [], 'the finished collection is not redone');
        assert.ok(!stageLines(next, 'autoencoder').includes('autoencoder 1/30'), 'autoencoder training continues from step 20');
      } },
      { at: /^diffusion 20\//, check: (next) => {
        assert.deepEqual(stageLines(next, 'autoencoder'), [], 'the trained autoencoder is loaded');
        assert.ok(!stageLines(next, 'diffusion').includes('diffusion 1/30'), 'diffusion training continues from step 20');
      } },
      { at: /^evaluate 2\//, check: (next) => {
        for (const stage of ['train', 'collect', 'autoencoder', 'diffusion']) assert.deepEqual(stageLines(next, stage), [], stage);
      } },
    ];
    let run = await runChild(dir, kills[0].at);
    for (let i = 0; i < kills.length; i++) {
      assert.equal(run.signal, 'SIGKILL', `kill ${kills[i].at}: the child ended by itself (${run.code}): ${run.stderr}`);
      assert.ok(!fs.existsSync(path.join(dir, RESULTS_FILE)));
      run = await runChild(dir, kills[i + 1]?.at);
      kills[i].check(run);
    }
    assert.equal(run.code, 0, run.stderr);
    assert.ok(fs.existsSync(path.join(dir, AUTOENCODER_STATE_FILE)) && fs.existsSync(path.join(dir, DIFFUSION_STATE_FILE)));
    const resumed = readResults(dir);
    for (const name of Object.keys(reference.populations)) {
      assert.deepEqual(resumed.populations[name].test, reference.populations[name].test, name);
      assert.deepEqual(resumed.populations[name].val, reference.populations[name].val, name);
    }
    assert.deepEqual(numbers(resumed), numbers(reference));
  });
});
