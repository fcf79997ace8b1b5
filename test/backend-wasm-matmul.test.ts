import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { registerWasmMatMul, swapIsCheaper } from '../lib/backend/wasm-matmul';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff, onBackend } from './helpers/backends';

const FLAGS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

/** Operand shapes of a·b with the given flags: a [...batchA, M, K] (or [K, M]), b [...batchB, K, N] (or [N, K]). */
function operandShapes(batchA: number[], batchB: number[], [m, k, n]: number[], [ta, tb]: [boolean, boolean]): [number[], number[]] {
  return [[...batchA, ...(ta ? [k, m] : [m, k])], [...batchB, ...(tb ? [n, k] : [k, n])]];
}

describe('wasm BatchMatMul without transpose flags', () => {
  const rng = new Rng(11);
  const values = (shape: number[]) => rng.normalArray(shape.reduce((p, d) => p * d, 1));

  // The root hook's initBackend loaded wasm (also under the native backend) and registered the
  // override; calling again checks idempotence. Every product below runs on 'wasm' explicitly.
  before(() => registerWasmMatMul());

  it('is the registered wasm kernel', () => {
    assert.match(String(tf.getKernel(tf.BatchMatMul, 'wasm')?.kernelFunc), /withExplicitTransposes/);
  });

  it('packs the smaller operand: swaps a weight gradient xᵀ·dy only when dy is the wider', () => {
    assert.equal(swapIsCheaper([18000, 64], [18000, 192], true, false), true); // xᵀ·dy: pack x, not dy
    assert.equal(swapIsCheaper([18000, 192], [18000, 64], true, false), false);
    assert.equal(swapIsCheaper([18000, 192], [64, 192], false, true), false); // dy·wᵀ: w is tiny
    assert.equal(swapIsCheaper([3, 40], [20, 40], false, true), true);
    assert.equal(swapIsCheaper([7, 5], [7, 3], true, false), false);
  });

  it('matches the cpu backend for every flag combination, with batch broadcasting', async () => {
    const cases: { batchA: number[]; batchB: number[]; mkn: number[] }[] = [
      { batchA: [], batchB: [], mkn: [5, 7, 3] },
      { batchA: [], batchB: [], mkn: [3, 40, 20] }, // flagged products computed swapped, (op(b)ᵀ·op(a)ᵀ)ᵀ
      { batchA: [1], batchB: [], mkn: [3, 40, 20] },
      { batchA: [3], batchB: [3], mkn: [4, 6, 2] },
      { batchA: [1], batchB: [4], mkn: [3, 5, 6] }, // batch of 1 broadcast against 4
      { batchA: [2, 3], batchB: [], mkn: [2, 4, 5] }, // rank broadcast: b shared by all 6
      { batchA: [2, 1], batchB: [3], mkn: [3, 1, 4] }, // [2, 1] × [3] → [2, 3], K = 1
    ];
    for (const { batchA, batchB, mkn } of cases) {
      for (const flags of FLAGS) {
        const [shapeA, shapeB] = operandShapes(batchA, batchB, mkn, flags);
        const [a, b] = [values(shapeA), values(shapeB)];
        const run = () => tf.tidy(() => tf.matMul(tf.tensor(a, shapeA), tf.tensor(b, shapeB), ...flags).dataSync() as Float32Array);
        const onCpu = await onBackend('cpu', run);
        const onWasm = await onBackend('wasm', run);
        const label = `${shapeA} × ${shapeB} flags ${flags}`;
        assert.equal(onWasm.length, onCpu.length, label);
        assert.ok(maxAbsDiff(onCpu, onWasm) < 1e-4, `${label}: differs by ${maxAbsDiff(onCpu, onWasm)}`);
      }
    }
  });

  it('gives the cpu backend\'s gradients for every flag combination', async () => {
    const cases: [number[], number[]][] = [[[], [6, 5, 4]], [[2], [6, 5, 4]], [[], [3, 30, 12]]];
    for (const [batch, [m, k, n]] of cases) {
      for (const flags of FLAGS) {
        const [shapeA, shapeB] = operandShapes(batch, batch, [m, k, n], flags);
        const [a, b] = [values(shapeA), values(shapeB)];
        const probe = values([...batch, m, n]); // weights of Σ probe ⊙ (a·b): every output entry matters
        const run = () => tf.tidy(() => {
          const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, ...flags).mul(tf.tensor(probe, [...batch, m, n])).sum();
          return tf.grads(f)([tf.tensor(a, shapeA), tf.tensor(b, shapeB)]).map((g) => g.dataSync() as Float32Array);
        });
        const onCpu = await onBackend('cpu', run);
        const onWasm = await onBackend('wasm', run);
        onCpu.forEach((g, i) => assert.ok(maxAbsDiff(g, onWasm[i]) < 1e-4, `batch [${batch}] flags ${flags}: gradient ${i} differs by ${maxAbsDiff(g, onWasm[i])}`));
      }
    }
  });

  it('frees its transposed copies, batched and swapped', () => onBackend('wasm', () => {
    const operands = [[[3, 8, 5], [3, 6, 8]], [[40, 3], [20, 40]]].map(([sa, sb]) => [tf.tensor(values(sa), sa), tf.tensor(values(sb), sb)]);
    const products = () => { for (const [a, b] of operands) tf.matMul(a, b, true, true).dispose(); }; // [3, 5, 6], [3, 20]
    products();
    const before = tf.backend().numDataIds();
    for (let i = 0; i < 4; i++) products();
    assert.equal(tf.backend().numDataIds(), before);
    tf.dispose(operands.flat());
  }));
});
