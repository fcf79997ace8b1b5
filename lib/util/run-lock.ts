/**
 * One writer per run directory: a process working in a directory holds `run.lock` there (pid,
 * host, start time), created atomically (a fully written temporary file hard-linked into place,
 * which fails if the lock exists). Another process is refused with a RunDirBusyError naming the
 * holder. A lock whose holder is gone is taken over: on this host, a pid that is not alive (or was
 * reused by a process started after the lock); on another host, a lock whose holder promised a
 * heartbeat and stopped beating, or one below a directory whose lock this process holds. Locks are
 * released by `release()` or at process exit (errors included); a killed process leaves its lock,
 * which is then stale.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from './errors';

export const LOCK_FILE = 'run.lock';
/**
 * Set by a process that holds a lock for a child it starts (a queue worker): the child counts
 * locks held by this pid, its parent, as its own.
 */
export const LOCK_HOLDER_ENV = 'PARAMDIFF_LOCK_HOLDER';

export interface LockHolder {
  pid: number;
  hostname: string;
  /** When the lock was taken (ISO time). */
  since: string;
  /** The holder's command line, for the message that names it. */
  command: string;
  /** Tells this lock from a later one of the same holder. */
  token: string;
  /** The holder refreshes the lock's mtime this often (only holders whose event loop is free can). */
  heartbeatSeconds?: number;
}

export interface RunLock {
  dir: string;
  file: string;
  holder: LockHolder;
  /** Deletes the lock if it is still this holder's (a no-op for a lock inherited from the parent). */
  release(): void;
}

export class RunDirBusyError extends InputError {
  constructor(readonly dir: string, readonly holder: LockHolder) {
    super(`${dir} is in use by pid ${holder.pid} on ${holder.hostname} since ${holder.since} (${holder.command}); ` +
      `wait for it to finish or use another directory; if that process is gone, delete ${path.join(dir, LOCK_FILE)}`);
    this.name = 'RunDirBusyError';
  }
}

const held = new Map<string, RunLock & { timer?: NodeJS.Timeout }>();
let exitHook = false;

/** Takes the lock of `dir` (created if missing) or throws RunDirBusyError; the same process may take it again. */
export function lockRunDir(dir: string, options: { heartbeatSeconds?: number } = {}): RunLock {
  dir = path.resolve(dir);
  const file = path.join(dir, LOCK_FILE);
  const mine = held.get(file);
  if (mine && readHolder(file)?.token === mine.holder.token) return mine;
  held.delete(file);
  fs.mkdirSync(dir, { recursive: true });
  for (let attempt = 0; attempt < 5; attempt++) {
    const holder: LockHolder = {
      pid: process.pid, hostname: os.hostname(), since: new Date().toISOString(),
      command: [process.argv[1] ? path.relative(process.cwd(), process.argv[1]) : 'node', ...process.argv.slice(2)].join(' ').slice(0, 200),
      token: randomBytes(8).toString('hex'),
      ...(options.heartbeatSeconds ? { heartbeatSeconds: options.heartbeatSeconds } : {}),
    };
    if (create(file, holder)) return keep(dir, file, holder);
    const current = readHolder(file);
    if (!current) {
      if (fs.existsSync(file)) throw new InputError(`${file} is not a lock this code wrote; delete it if no process works in ${dir}`);
      continue; // released meanwhile
    }
    if (inherited(current)) return { dir, file, holder: current, release: () => {} };
    if (!isStale(dir, file, current)) throw new RunDirBusyError(dir, current);
    setAside(file, current);
  }
  throw new InputError(`${file}: could not take the lock (other processes keep taking it over)`);
}

/** Releases this process's lock of `dir`, if it holds one. */
export function releaseRunDir(dir: string): void {
  held.get(path.join(path.resolve(dir), LOCK_FILE))?.release();
}

/** The lock's holder, or undefined if there is no lock (or it is not a lock this code wrote). */
export function readHolder(file: string): LockHolder | undefined {
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
    return Number.isInteger(json.pid) && typeof json.hostname === 'string' && typeof json.token === 'string' ? json : undefined;
  } catch {
    return undefined;
  }
}

function create(file: string, holder: LockHolder): boolean {
  const tmp = `${file}.${holder.token}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(holder)}\n`);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function keep(dir: string, file: string, holder: LockHolder): RunLock {
  const lock: RunLock & { timer?: NodeJS.Timeout } = {
    dir, file, holder,
    release: () => {
      clearInterval(lock.timer);
      held.delete(file);
      if (readHolder(file)?.token === holder.token) fs.rmSync(file, { force: true });
    },
  };
  if (holder.heartbeatSeconds) {
    lock.timer = setInterval(() => {
      const now = new Date();
      try { fs.utimesSync(file, now, now); } catch { /* released or taken over: nothing to refresh */ }
    }, holder.heartbeatSeconds * 1000).unref();
  }
  held.set(file, lock);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => { for (const l of [...held.values()]) l.release(); });
  }
  return lock;
}

/** A lock held by the parent that started this process to work under it. */
function inherited(holder: LockHolder): boolean {
  const parent = Number(process.env[LOCK_HOLDER_ENV]);
  return holder.pid === parent && parent === process.ppid && holder.hostname === os.hostname();
}

function isStale(dir: string, file: string, holder: LockHolder): boolean {
  if (holder.hostname === os.hostname()) {
    if (holder.pid === process.pid) return true; // not in `held`: a lock of an earlier process with this pid
    return !alive(holder.pid) || startedAfter(holder.pid, Date.parse(holder.since));
  }
  if (holder.heartbeatSeconds) {
    const age = Date.now() - fs.statSync(file).mtimeMs;
    if (age > 4 * holder.heartbeatSeconds * 1000) return true;
  }
  return holdsAbove(dir);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether process `pid` started after `time` (ms): then it is another process that reused the pid (Linux; false where unknown). */
function startedAfter(pid: number, time: number): boolean {
  try {
    const boot = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))![1]);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]); // field 22, starttime, in clock ticks since boot
    return boot * 1000 + ticks * 10 > time + 2000; // USER_HZ is 100 on Linux
  } catch {
    return false;
  }
}

/** Whether this process (or the parent it works for) holds the lock of a directory above `dir`: then no one else works below it. */
function holdsAbove(dir: string): boolean {
  for (let at = path.dirname(dir); at !== path.dirname(at); at = path.dirname(at)) {
    const file = path.join(at, LOCK_FILE);
    if (held.has(file)) return true;
    const holder = fs.existsSync(file) ? readHolder(file) : undefined;
    if (holder && inherited(holder)) return true;
  }
  return false;
}

/**
 * Moves a stale lock out of the way. If a racing process took the lock over in between, its fresh
 * lock was moved instead: it is put back (unless yet another process locked meanwhile).
 */
function setAside(file: string, stale: LockHolder): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    fs.renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (readHolder(aside)?.token !== stale.token) {
    try { fs.linkSync(aside, file); } catch { /* a newer lock is in place */ }
  }
  fs.rmSync(aside, { force: true });
}
