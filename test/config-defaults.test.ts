import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withDefaults } from '../lib/util/config-defaults';
import { configHash } from '../lib/util/config-diff';
import { ConfigMismatchError } from '../lib/util/errors';
import { claimRunDir, RUN_FILE } from '../lib/util/run-dir';
import { tmpDirs } from './helpers/tmp-dirs';

const dirs = tmpDirs('config-defaults');
after(dirs.cleanup);

describe('withDefaults: fields a saved config lacks, read as the defaults', () => {
  const defaults = {
    seed: 0,
    train: { steps: 100, lr: 0.01, ema: { decay: 0.999, warmup: 10 } },
    subset: ['a', 'b', 'c'],
    clip: 1,
    added: { kind: 'ddim', steps: 50 },
  };

  it('fills missing fields at every depth; present values win, arrays and null whole', () => {
    const saved = { seed: 4, train: { steps: 30, ema: { decay: 0.9 } }, subset: ['a'], clip: null };
    const before = structuredClone(saved);
    assert.deepEqual(withDefaults(saved, defaults), {
      seed: 4,
      train: { steps: 30, lr: 0.01, ema: { decay: 0.9, warmup: 10 } },
      subset: ['a'],
      clip: null,
      added: { kind: 'ddim', steps: 50 },
    });
    assert.deepEqual(saved, before, 'the saved config is not changed');
  });

  it('keeps fields the defaults do not have, and a saved value whose type differs from the default', () => {
    assert.deepEqual(withDefaults({ removed: 1, train: 'old', subset: { a: 1 } }, defaults),
      { ...defaults, removed: 1, train: 'old', subset: { a: 1 } });
  });
});

describe('claimRunDir with defaults: a run.json saved before a field existed', () => {
  const current = { seed: 0, train: { steps: 100, lr: 0.01, warmup: 5 }, samplers: [{ kind: 'ddpm' }] };
  /** run.json as the code wrote it before `train.warmup` and `samplers` existed. */
  const oldRunDir = (): string => {
    const dir = dirs.make();
    const config = { seed: 0, train: { steps: 100, lr: 0.01 } };
    fs.writeFileSync(path.join(dir, RUN_FILE), JSON.stringify({ configSha256: configHash(config), config }));
    return dir;
  };

  it('accepts it when the defaults give the missing fields the current values, and rewrites run.json with the current config', () => {
    const dir = oldRunDir();
    assert.throws(() => claimRunDir(dir, current), (e: unknown) =>
      e instanceof ConfigMismatchError && e.fields.join() === 'samplers,train.warmup', 'without defaults: refused');
    claimRunDir(dir, current, { defaults: current });
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, RUN_FILE), 'utf8')), { configSha256: configHash(current), config: current });
    claimRunDir(dir, current); // now pinned to the current config by hash alone
  });

  it('refuses it, naming the field, when the current value differs from the default', () => {
    const dir = oldRunDir();
    const before = fs.readFileSync(path.join(dir, RUN_FILE), 'utf8');
    const changed = { ...current, train: { ...current.train, warmup: 50 } };
    assert.throws(() => claimRunDir(dir, changed, { defaults: current }), (e: unknown) =>
      e instanceof ConfigMismatchError && e.fields.join() === 'train.warmup');
    assert.equal(fs.readFileSync(path.join(dir, RUN_FILE), 'utf8'), before, 'run.json is left as it was');
  });

  it('still refuses a field the old run set to another value than the current one', () => {
    const dir = oldRunDir();
    const changed = { ...current, train: { ...current.train, steps: 200 } };
    assert.throws(() => claimRunDir(dir, changed, { defaults: changed }), (e: unknown) =>
      e instanceof ConfigMismatchError && e.fields.join() === 'train.steps');
  });
});
