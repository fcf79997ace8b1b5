/**
 * The child process of ./member-processes.ts: takes one MemberShare by IPC, trains it on the
 * backend its environment names (the parent's, one native thread) and sends back its progress and
 * its members, or its error. It leaves when the parent is gone: at once when its event loop is
 * free (the IPC channel closes), at the next progress step while it trains (training holds the loop).
 */
import { initBackend } from '../backend';
import { trainIndependentMembers } from './deep-ensemble';
import type { MemberMessage, MemberShare } from './member-processes';

const parent = process.ppid;
let finished = false;

function send(message: MemberMessage<string>): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

function leaveIfOrphaned(): void {
  if (process.ppid !== parent) process.exit(1);
}

async function train(share: MemberShare<string>): Promise<void> {
  try {
    await initBackend();
    const onProgress = (stage: string, step: number, total: number, metrics: Record<string, number>) => {
      leaveIfOrphaned();
      void send({ kind: 'progress', stage, step, total, metrics });
    };
    const members = trainIndependentMembers(share.train, share.model, share.config, share.seeds, share.evaluate,
      { label: share.label, onProgress }, share.modelsAtOnce);
    await send({ kind: 'members', members });
  } catch (err) {
    await send({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
    process.exitCode = 1;
  }
  finished = true;
  process.disconnect();
}

process.once('message', (share: MemberShare<string>) => { void train(share); });
process.once('disconnect', () => { if (!finished) process.exit(1); });
