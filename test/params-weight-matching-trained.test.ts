// Git Re-Basin's central claim on two independently trained networks (Ainsworth et al., ICLR 2023,
// Fig. 2 and §4): after weight matching, the two are closer in L2 and their weight midpoint keeps
// most of their accuracy, where the naive midpoint loses much of it.
import { strict as assert } from 'node:assert';
import { loadEmbeddedMnistSplits } from '../lib/data/mnist';
import { evaluateModel, imagesTensor } from '../lib/models/evaluate';
import { ConvNetS } from '../lib/models/convnet-s';
import { Mlp } from '../lib/models/mlp';
import type { TaskModel } from '../lib/models/task-model';
import { defaultTrainConfig, trainModel, type TrainConfig } from '../lib/models/train';
import { assignNetwork, readNetwork } from '../lib/params/network';
import { permutationSpecFor } from '../lib/params/permutation-spec';
import { recalibrateBatchNorm } from '../lib/params/recalibrate-bn';
import type { NamedArray } from '../lib/params/types';
import { alignTo } from '../lib/params/weight-matching';

function distance(a: readonly NamedArray[], b: readonly NamedArray[]): number {
  let s = 0;
  a.forEach((x, k) => x.data.forEach((v, i) => (s += (v - b[k].data[i]) ** 2)));
  return Math.sqrt(s);
}

function midpoint(a: readonly NamedArray[], b: readonly NamedArray[]): NamedArray[] {
  return a.map((x, k) => ({ ...x, data: x.data.map((v, i) => (v + b[k].data[i]) / 2) }));
}

const data = loadEmbeddedMnistSplits(0);
const CALIBRATION_IMAGES = 500;

interface Case {
  kind: string;
  make: (seed: number) => TaskModel;
  train: TrainConfig;
}

const cases: Case[] = [
  {
    kind: 'MLP 784-64-64-10, 2 epochs',
    make: (seed) => new Mlp({ inputSize: 784, hidden: [64, 64], numClasses: 10 }, seed),
    train: { ...defaultTrainConfig, epochs: 2, schedule: { kind: 'constant' } },
  },
  {
    kind: 'ConvNet-S 8-16-32, 1 epoch',
    make: (seed) => new ConvNetS({ inChannels: 1, numClasses: 10, channels: [8, 16, 32] }, seed),
    train: { ...defaultTrainConfig, epochs: 1, batchSize: 32, schedule: { kind: 'constant' } },
  },
];

describe('params/weight-matching on independently trained networks (embedded MNIST)', () => {
  for (const { kind, make, train } of cases) {
    it(`${kind}: matching lowers the L2 distance and raises the midpoint's accuracy`, function () {
      this.timeout(60_000);
      const [a, b, mid] = [make(1), make(2), make(3)];
      const calibration = imagesTensor({
        ...data.train,
        images: data.train.images.subarray(0, CALIBRATION_IMAGES * 784),
        labels: data.train.labels.subarray(0, CALIBRATION_IMAGES),
      });
      try {
        let start = performance.now();
        trainModel(a, data.train, { ...train, seed: 1 });
        trainModel(b, data.train, { ...train, seed: 2 });
        const trainSeconds = (performance.now() - start) / 1000;
        const [netA, netB] = [readNetwork(a), readNetwork(b)];
        start = performance.now();
        const aligned = alignTo(netA, netB, permutationSpecFor(a), { seed: 0 });
        const alignSeconds = (performance.now() - start) / 1000;

        // The aligned copy of b is the same function as b.
        const before = evaluateModel(b, data.test);
        assignNetwork(b, aligned);
        assert.deepEqual(evaluateModel(b, data.test).predictions, before.predictions);

        const midpointAccuracy = (other: readonly NamedArray[]) => {
          // BN running statistics of an average are not the average of running statistics: recompute them.
          assignNetwork(mid, { params: midpoint(netA.params, other), buffers: netA.buffers });
          if (mid.buffers.size > 0) recalibrateBatchNorm(mid, calibration);
          return evaluateModel(mid, data.test).accuracy;
        };
        const naive = { distance: distance(netA.params, netB.params), midpoint: midpointAccuracy(netB.params) };
        const matched = { distance: distance(netA.params, aligned.params), midpoint: midpointAccuracy(aligned.params) };
        console.log(`    ${kind}: test acc a ${evaluateModel(a, data.test).accuracy.toFixed(4)}, b ${before.accuracy.toFixed(4)} ` +
          `(training ${trainSeconds.toFixed(1)} s)`);
        console.log(`    L2 distance ${naive.distance.toFixed(3)} → ${matched.distance.toFixed(3)}; ` +
          `midpoint acc ${naive.midpoint.toFixed(4)} → ${matched.midpoint.toFixed(4)}; ` +
          `matching ${aligned.matching.iterations} sweeps, objective ${aligned.matching.initialObjective.toFixed(2)} → ` +
          `${aligned.matching.objective.toFixed(2)}, ${(alignSeconds * 1000).toFixed(0)} ms`);
        assert.ok(aligned.matching.converged);
        assert.ok(matched.distance < 0.9 * naive.distance);
        assert.ok(matched.midpoint > naive.midpoint + 0.1);
        assert.ok(matched.midpoint > 0.8);
      } finally {
        calibration.dispose();
        [a, b, mid].forEach((m) => m.dispose());
      }
    });
  }
});
