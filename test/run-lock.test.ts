import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { claimRunDir } from '../lib/util/run-dir';
import { LOCK_FILE, LOCK_HOLDER_ENV, lockRunDir, readHolder, releaseRunDir, RunDirBusyError, type LockHolder } from '../lib/util/run-lock';
import { tmpDirs } from './helpers/tmp-dirs';

const dirs = tmpDirs('lock');
after(dirs.cleanup);
const RUN_DIR = path.join(__dirname, '..', 'lib', 'util', 'run-dir.ts');

/** A child process that claims `dir` as a run would, prints "claimed", then does `then` (wait for a kill, exit, or throw). */
function claimer(dir: string, then: 'wait' | 'exit' | 'throw', env: NodeJS.ProcessEnv = {}): { child: ChildProcess; claimed: Promise<string> } {
  const code = `require(${JSON.stringify(RUN_DIR)}).claimRunDir(${JSON.stringify(dir)}, { lr: 1 }); console.log('claimed');
    ${{ wait: 'setInterval(() => {}, 1000);', exit: '', throw: "throw new Error('the run failed');" }[then]}`;
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const claimed = new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', resolve);
    child.on('close', (c) => reject(new Error(`the child ended (${c}) before claiming: ${stderr}`)));
  });
  return { child, claimed };
}
const ended = (child: ChildProcess) => new Promise((resolve) => child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.on('close', resolve));

function writeLock(dir: string, holder: Partial<LockHolder>): string {
  const file = path.join(dir, LOCK_FILE);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ pid: process.pid, hostname: os.hostname(), since: new Date().toISOString(), command: 'test', token: 'other', ...holder }));
  return file;
}
const lockedByMe = (dir: string) => readHolder(path.join(dir, LOCK_FILE))?.pid === process.pid;
const deadPid = () => spawnSync('true').pid!;

describe('run directory lock: one writer per --out', function () {
  this.timeout(60_000);

  it('a second writer is refused naming the holder; once the holder is killed its lock is taken over', async () => {
    const dir = dirs.make();
    const { child, claimed } = claimer(dir, 'wait');
    await claimed;
    assert.throws(() => claimRunDir(dir, { lr: 1 }), (e: unknown) => e instanceof RunDirBusyError &&
      e.holder.pid === child.pid && e.message.startsWith(`${dir} is in use by pid ${child.pid} on ${os.hostname()} since ${e.holder.since} (`) &&
      Math.abs(Date.parse(e.holder.since) - Date.now()) < 30_000 && e.message.includes(`delete ${path.join(dir, LOCK_FILE)}`));
    child.kill('SIGKILL');
    await ended(child);
    assert.equal(readHolder(path.join(dir, LOCK_FILE))?.pid, child.pid, 'a killed process leaves its lock');
    claimRunDir(dir, { lr: 1 });
    assert.ok(lockedByMe(dir), 'the stale lock is taken over');
    claimRunDir(dir, { lr: 1 }); // the holder may claim again
    releaseRunDir(dir);
    assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)));
  });

  it('a process that ends, normally or with an error, releases its lock', async () => {
    for (const then of ['exit', 'throw'] as const) {
      const dir = dirs.make();
      const { child, claimed } = claimer(dir, then);
      await claimed;
      await ended(child);
      assert.equal(child.exitCode, then === 'exit' ? 0 : 1);
      assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)), `no lock left after "${then}"`);
    }
  });

  it('stale on this host: a pid that is not alive, or one reused by a process started after the lock', async () => {
    const dead = dirs.make();
    writeLock(dead, { pid: deadPid() });
    lockRunDir(dead);
    assert.ok(lockedByMe(dead));

    const reused = dirs.make();
    const live = spawn('sleep', ['30']);
    try {
      writeLock(reused, { pid: live.pid, since: new Date(Date.now() - 3_600_000).toISOString() });
      lockRunDir(reused);
      assert.ok(lockedByMe(reused), 'a process younger than the lock is not its holder');
      const busy = dirs.make();
      writeLock(busy, { pid: live.pid });
      assert.throws(() => lockRunDir(busy), RunDirBusyError);
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('another host: refused, unless its heartbeat stopped or the directory is below one this process holds', () => {
    const other = { hostname: 'elsewhere', pid: deadPid() };
    const dir = dirs.make();
    writeLock(dir, other);
    assert.throws(() => lockRunDir(dir), (e: unknown) => e instanceof RunDirBusyError && e.message.includes(`pid ${other.pid} on elsewhere`));

    const beating = writeLock(dirs.make(), { ...other, heartbeatSeconds: 2 });
    assert.throws(() => lockRunDir(path.dirname(beating)), RunDirBusyError);
    const old = new Date(Date.now() - 10_000);
    fs.utimesSync(beating, old, old);
    lockRunDir(path.dirname(beating));
    assert.ok(lockedByMe(path.dirname(beating)), 'a heartbeat 5 periods old is stale');

    const parent = dirs.make();
    const nested = path.join(parent, 'task-zoo');
    writeLock(nested, other);
    lockRunDir(parent);
    lockRunDir(nested);
    assert.ok(lockedByMe(nested));
  });

  it('a child started by the holder works under its lock; other children are refused', async () => {
    const dir = dirs.make();
    const lock = lockRunDir(dir);
    const refused = claimer(dir, 'exit');
    await assert.rejects(refused.claimed, /is in use by pid/);
    const inheriting = claimer(dir, 'exit', { [LOCK_HOLDER_ENV]: String(process.pid) });
    await inheriting.claimed;
    await ended(inheriting.child);
    assert.ok(lockedByMe(dir), 'the child neither took nor released the holder\'s lock');
    lock.release();
  });

  it('release removes only a lock that is still its own', () => {
    const dir = dirs.make();
    const lock = lockRunDir(dir);
    const file = writeLock(dir, { hostname: 'elsewhere', token: 'newer' }); // taken over meanwhile
    lock.release();
    assert.equal(readHolder(file)?.token, 'newer');
    assert.ok(!fs.readdirSync(dir).some((f) => f.endsWith('.tmp') || f.endsWith('.stale')), 'no temporary files left');
  });
});
