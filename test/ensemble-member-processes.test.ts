// Independent members trained in child processes (trainMembersInProcesses) against the same
// members trained in this process, on the active backend; and how a failing child is reported.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { loadEmbeddedMnistSplits } from '../lib/data/mnist';
import { subsetDataset } from '../lib/data/splits';
import { trainMembersInProcesses } from '../lib/ensemble/member-processes';
import type { BuiltinModelSpec } from '../lib/models/registry';
import { defaultTrainConfig, type TrainConfig } from '../lib/models/train';
import { InputError } from '../lib/util/errors';

/** The pids of this process's member workers (Linux ps). */
function workerPids(): number[] {
  const lines = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]).toString().split('\n');
  return lines.filter((l) => l.includes('member-worker')).map((l) => Number(l.trim().split(/\s+/)[0]));
}

describe('trainMembersInProcesses', () => {
  const full = loadEmbeddedMnistSplits(0);
  const train = subsetDataset(full.train, Array.from({ length: 256 }, (_, i) => i));
  const evaluate = { val: full.val, test: full.test };
  /** 256 images, batch 128, 1 epoch: 2 steps, each logged. */
  const config: TrainConfig = { ...defaultTrainConfig, epochs: 1, logEvery: 1 };
  const mlp: BuiltinModelSpec = { kind: 'mlp', config: { inputSize: 784, hidden: [16] } };
  const seeds = [5, 6, 7];

  it('3 ConvNet-S in 2 processes give the outputs of the 3 trained here, bit for bit and in seed order', async function () {
    this.timeout(60_000);
    const model: BuiltinModelSpec = { kind: 'convnet-s' };
    const here = await trainMembersInProcesses(train, model, config, seeds, evaluate);
    const stages = new Set<string>();
    const apart = await trainMembersInProcesses(train, model, config, seeds, evaluate,
      { label: 'model', onProgress: (stage) => stages.add(stage) }, { processes: 2, modelsAtOnce: 1 });
    for (const set of ['val', 'test'] as const) {
      assert.equal(apart.probabilities[set].length, 3);
      apart.probabilities[set].forEach((p, i) => assert.deepEqual(p, here.probabilities[set][i], `${set} outputs of seed ${seeds[i]}`));
    }
    assert.notDeepEqual(here.probabilities.test[0], here.probabilities.test[1], 'each seed its own model');
    assert.deepEqual(apart.steps, [2, 2, 2]);
    assert.equal(apart.trainSeconds.length, 3);
    // Process 1 trains seeds 5 and 7, process 2 seed 6.
    assert.deepEqual([...stages].sort(), ['process 1/2: model 1/2', 'process 1/2: model 2/2', 'process 2/2: model 1/1']);
  });

  it('a child that throws rejects with its error, naming its process and seeds', async function () {
    this.timeout(60_000);
    const diverging = { ...config, optimizer: { ...config.optimizer, lr: 1e30 } };
    await assert.rejects(trainMembersInProcesses(train, mlp, diverging, seeds, evaluate, undefined, { processes: 2, modelsAtOnce: 1 }),
      /^Error: training process (1\/2 \(seeds 5, 7\)|2\/2 \(seeds 6\)) failed: task model training: loss is NaN at step \d \(epoch 1\)$/);
    assert.deepEqual(workerPids(), []);
  });

  it('a child that dies rejects naming it and how, and the other child is stopped', async function () {
    this.timeout(60_000);
    let victim: number | undefined;
    const endless = { ...config, epochs: 100_000 }; // ends only if stopped
    const onProgress = () => {
      if (victim !== undefined) return;
      victim = workerPids()[0];
      process.kill(victim, 'SIGKILL');
    };
    await assert.rejects(trainMembersInProcesses(train, mlp, endless, seeds, evaluate, { label: 'model', onProgress }, { processes: 2, modelsAtOnce: 1 }),
      /^Error: training process [12]\/2 \(seeds [567, ]+\) failed: was killed \(SIGKILL\)$/);
    assert.deepEqual(workerPids(), []);
  });

  it('refuses a process count that is not a positive integer', async () => {
    await assert.rejects(trainMembersInProcesses(train, mlp, config, seeds, evaluate, undefined, { processes: 0, modelsAtOnce: 1 }),
      (e: Error) => e instanceof InputError && /processes must be an integer ≥ 1, got 0/.test(e.message));
  });
});
