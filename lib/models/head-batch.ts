/**
 * M linear heads trained at once as one batched model: W [M, F, k], b [M, k], each head with its
 * own minibatches (its own seeded shuffle of the rows), its own optimizer slots, and its own
 * gradient (the loss is the sum of the heads' mean losses). A step costs about as much as one
 * head's step, which is what makes ten heads per task cheap on wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { FiniteGuard } from '../optim/finite-guard';
import { minimizeChecked } from '../optim/minimize';
import { Optimizer, type OptimizerConfig } from '../optim/optimizer';
import type { VectorSet } from '../params/types';
import { Rng } from '../util/rng';

export class HeadBatch {
  private readonly vars: Map<string, tf.Variable>;
  private readonly optimizer: Optimizer;
  private readonly guard: FiniteGuard;
  private readonly orders: { rng: Rng; order: Int32Array; at: number }[];
  private steps = 0;

  /**
   * @param init [M, F·k + k] starting heads (`fc/weight` then `fc/bias` per row).
   * @param seeds one shuffle seed per head.
   */
  constructor(init: VectorSet, private readonly inFeatures: number, private readonly classes: number,
    optimizer: OptimizerConfig, seeds: number[], stage: string) {
    const m = init.count;
    const wSize = inFeatures * classes;
    if (init.dim !== wSize + classes || seeds.length !== m) throw new Error(`HeadBatch: ${m} heads of ${init.dim} values, ${seeds.length} seeds, for ${inFeatures}→${classes}`);
    const w = new Float32Array(m * wSize);
    const b = new Float32Array(m * classes);
    for (let i = 0; i < m; i++) {
      w.set(init.data.subarray(i * init.dim, i * init.dim + wSize), i * wSize);
      b.set(init.data.subarray(i * init.dim + wSize, (i + 1) * init.dim), i * classes);
    }
    this.vars = new Map<string, tf.Variable>([
      ['weight', tf.tidy(() => tf.variable(tf.tensor3d(w, [m, inFeatures, classes])))],
      ['bias', tf.tidy(() => tf.variable(tf.tensor2d(b, [m, classes])))],
    ]);
    this.optimizer = new Optimizer(optimizer);
    this.guard = new FiniteGuard(stage);
    this.orders = seeds.map((seed) => ({ rng: new Rng(seed), order: new Int32Array(0), at: 0 }));
  }

  /** One optimizer step of every head on its next minibatch of `x` [N, F] / `y` [N]; an epoch ends when a head's shuffle is used up. */
  step(x: tf.Tensor2D, y: tf.Tensor1D, batchSize: number): void {
    const n = x.shape[0];
    const rows: number[] = [];
    let size = 0;
    for (const o of this.orders) {
      if (o.at >= o.order.length) {
        o.order = o.rng.permutation(n);
        o.at = 0;
      }
      size = Math.min(batchSize, n - o.at); // the same for every head: all shuffle the same N rows
      for (let r = o.at; r < o.at + size; r++) rows.push(o.order[r]);
      o.at += size;
    }
    const m = this.orders.length;
    const weight = this.vars.get('weight')!;
    const bias = this.vars.get('bias')!;
    this.steps++;
    this.guard.watch(this.steps, tf.tidy(() => {
      const idx = tf.tensor1d(rows, 'int32');
      const xb = tf.gather(x, idx).reshape([m, size, this.inFeatures]); // [M, B, F]
      const yb = tf.oneHot(tf.gather(y, idx), this.classes); // [M·B, k]
      return minimizeChecked(this.vars, this.optimizer, () => {
        const logits = tf.matMul(xb, weight).add(bias.expandDims(1)); // [M, B, k]
        // Mean over all M·B rows, times M: the sum of each head's mean batch loss.
        return tf.losses.softmaxCrossEntropy(yb, logits.reshape([m * size, this.classes])).mul(m) as tf.Scalar;
      });
    }));
  }

  /** Current heads as [M, F·k + k] rows, after checking every step so far was finite. */
  read(): VectorSet {
    this.guard.check(this.vars, this.steps);
    const m = this.orders.length;
    const wSize = this.inFeatures * this.classes;
    const w = this.vars.get('weight')!.dataSync() as Float32Array;
    const b = this.vars.get('bias')!.dataSync() as Float32Array;
    const dim = wSize + this.classes;
    const data = new Float32Array(m * dim);
    for (let i = 0; i < m; i++) {
      data.set(w.subarray(i * wSize, (i + 1) * wSize), i * dim);
      data.set(b.subarray(i * this.classes, (i + 1) * this.classes), i * dim + wSize);
    }
    return { count: m, dim, data };
  }

  dispose(): void {
    tf.dispose([...this.vars.values()]);
    this.optimizer.dispose();
    this.guard.dispose();
  }
}
