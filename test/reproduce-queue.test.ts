import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { aggregateJobs } from '../lib/reproduce/aggregate';
import { jobResultsFile } from '../lib/reproduce/jobs';
import { planJobs } from '../lib/reproduce/plan';
import { fromQueued, jobId, runOnQueue, toQueued } from '../lib/reproduce/queue';
import { lockRunDir } from '../lib/util/run-lock';
import { tmpDirs } from './helpers/tmp-dirs';

const dirs = tmpDirs('queue');
after(dirs.cleanup);
const WORKER_CLI = path.join(__dirname, '..', 'lib', 'cli', 'worker.ts');

const freePort = () => new Promise<number>((resolve, reject) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as net.AddressInfo;
    server.close(() => resolve(port));
  }).on('error', reject);
});

/** A child that has printed a line matching `ready` (rejects if it ends first). */
function started(child: ChildProcess, ready: RegExp, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      log.push(line);
      if (ready.test(line)) resolve();
    });
    child.on('close', (code) => reject(new Error(`${child.spawnfile} ended (${code}) before it was ready:\n${log.join('\n')}`)));
  });
}

describe('reproduce on a queue (BullMQ on a real redis-server)', function () {
  this.timeout(600_000);
  const children: ChildProcess[] = [];
  let url = '';
  after(() => { for (const c of children) c.kill('SIGKILL'); });

  before(async function () {
    if (spawnSync('redis-server', ['--version']).error) {
      console.log('    (skipped: redis-server is not installed; on Debian: apt-get install redis-server)');
      this.skip();
    }
    const port = await freePort();
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(redis);
    await started(redis, /Ready to accept connections/, []);
    url = `redis://127.0.0.1:${port}`;
  });

  it('job ids are stable names, and run directories travel relative to the store', () => {
    const [job] = planJobs('pdiff', { scale: 'quick', seeds: [2], root: '/store', ablations: true }).filter((j) => j.part === 'ablation:noise');
    assert.equal(jobId(job), 'pdiff.quick.seed2.ablation-noise');
    const queued = toQueued(job, 'quick', '/store');
    assert.equal(queued.dir, 'quick/ablations-seed2');
    assert.deepEqual(fromQueued(queued, '/mnt/elsewhere'), { ...job, outDir: '/mnt/elsewhere/quick/ablations-seed2' });
    assert.throws(() => toQueued(job, 'quick', '/other'), /not inside the store/);
  });

  // The same numbers as a local run, and a worker killed mid-job: test/queue/sweep-kill.sh (CI).
  it('two workers run the jobs; a busy run directory waits; results come back through the queue as the store has them', async () => {
    const store = dirs.make();
    const jobs = planJobs('pdiff', { scale: 'smoke', seeds: [0, 1], root: store, ablations: false }).filter((j) => j.preset === 'smoke');
    const logs: string[][] = [[], []];
    for (const log of logs) {
      const worker = spawn(process.execPath, ['--require', 'tsx/cjs', WORKER_CLI, '--queue', url, '--store', store, '--lock-seconds', '5', '--busy-seconds', '1'],
        { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(worker);
      await started(worker, /waiting for jobs/, log);
    }
    // This process works in seed 0's directory: that job must wait for it, not run beside it.
    const busy = lockRunDir(jobs[0].outDir);
    const events: string[] = [];
    const reports = await runOnQueue(jobs, 'smoke', { url, store, onEvent: (line) => {
      events.push(line);
      if (line.startsWith(`${jobId(jobs[0])}: waits until`)) busy.release();
    } });
    assert.ok(events.some((e) => e.startsWith(`${jobId(jobs[0])}: waits until`)), `seed 0 waited for its directory:\n${events.join('\n')}`);
    assert.ok(logs.flat().some((l) => l.includes('busy, tried again in 1 s') && l.includes(`in use by pid ${process.pid}`)));

    assert.deepEqual([...reports.keys()].sort(), jobs.map(jobId).sort());
    const fromFiles = aggregateJobs('pdiff', 'smoke', jobs).runs.smoke;
    jobs.forEach((job, i) => {
      const [seedRun] = reports.get(jobId(job))!.runs.smoke.perSeed;
      assert.deepEqual(seedRun, fromFiles.perSeed[i], `seed ${job.seed}: the queue's numbers are the store's`);
    });

    const written = jobs.map((j) => fs.statSync(jobResultsFile(j)).mtimeMs);
    const again: string[] = [];
    await runOnQueue(jobs, 'smoke', { url, store, onEvent: (line) => again.push(line) });
    assert.deepEqual(again.filter((l) => l.startsWith('pdiff.')).sort(), jobs.map((j) => `${jobId(j)}: finished earlier`).sort(), 'queued again: nothing runs twice');
    assert.deepEqual(jobs.map((j) => fs.statSync(jobResultsFile(j)).mtimeMs), written);
  });
});
