/**
 * Conditional flow matching with the rectified-flow path (Lipman et al., ICLR 2023; Liu et al.,
 * ICLR 2023; DeepWeightFlow generates whole networks so): x_t = (1 − t)·x_0 + t·x_1 with
 * x_0 ~ N(0, I), x_1 a data row and t ~ U(0, 1); the velocity field regresses the path's constant
 * velocity, L = E‖v_θ(x_t, t) − (x_1 − x_0)‖². The objective knows nothing of the network; the
 * loop is the shared resumable one (optim/loop), with an EMA of the weights to sample with.
 */
import * as tf from '@tensorflow/tfjs';
import { runTrainingLoop, type StepProgress } from '../optim/loop';
import { minimizeChecked } from '../optim/minimize';
import { defaultAdamWConfig, type OptimizerConfig } from '../optim/optimizer';
import { checkCheckpointOption, dataFingerprint, type TrainCheckpoint } from '../optim/train-state';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { assertFinite } from '../util/finite';
import type { Rng } from '../util/rng';
import { Ema } from './ema';
import { sampleFlow, type FlowSamplerConfig } from './flow-sampler';

/** A network v_θ(x, t): x [B, D], t [B] in [0, 1] → [B, D]. */
export interface VelocityField {
  readonly dim: number;
  readonly params: Map<string, tf.Variable>;
  velocity(x: tf.Tensor2D, t: tf.Tensor1D): tf.Tensor2D;
  dispose(): void;
}

export interface FlowTrainConfig {
  /** Optimizer steps. */
  steps: number;
  /** Rows per step, drawn without replacement; null: all rows every step. */
  batchSize: number | null;
  optimizer: OptimizerConfig;
  /** Decay of the EMA of the weights (sampling uses it); null: no EMA. */
  emaDecay: number | null;
  /** Seeds every step's rows, x_0 and t (the network's init has its own seed). */
  seed: number;
  /** Read the loss back, check and report it every this many steps (and at the first and last). */
  logEvery: number;
}

export const defaultFlowTrainConfig: FlowTrainConfig = {
  steps: 1000, batchSize: null, optimizer: defaultAdamWConfig, emaDecay: 0.999, seed: 0, logEvery: 100,
};

/** The CFM loss on rows x1 [B, D] (caller disposes): draws x_0 and t from `rng`. */
export function flowMatchingLoss(field: Pick<VelocityField, 'velocity'>, x1: tf.Tensor2D, rng: Rng): tf.Scalar {
  const [b, d] = x1.shape;
  const times = Float32Array.from({ length: b }, () => rng.uniform());
  const noiseSeed = rng.seed();
  return tf.tidy(() => {
    const x0 = tf.randomNormal([b, d], 0, 1, 'float32', noiseSeed); // [B, D]
    const t = tf.tensor1d(times);
    const tc = t.reshape([b, 1]);
    const xt = x0.mul(tf.scalar(1).sub(tc)).add(x1.mul(tc)) as tf.Tensor2D; // x_t = (1 − t)·x_0 + t·x_1
    return field.velocity(xt, t).sub(x1.sub(x0)).square().mean() as tf.Scalar; // ‖v − (x_1 − x_0)‖²
  });
}

/** A trained flow: the velocity field, the EMA of its weights and the logged losses. */
export class FlowMatching<F extends VelocityField = VelocityField> {
  constructor(readonly field: F, readonly ema: Ema | null, readonly losses: { step: number; loss: number }[] = []) {}

  /**
   * Trains `field` in place on `data` [N, D]. With a `checkpoint`, the whole state (weights,
   * AdamW moments, EMA, RNG, losses) is saved every `checkpoint.every` steps and after the last;
   * a later call continues from it bit-identically, and a finished state is only loaded.
   */
  static train<F extends VelocityField>(
    field: F, data: VectorSet, config: FlowTrainConfig = defaultFlowTrainConfig,
    onProgress?: (p: StepProgress) => void, checkpoint?: TrainCheckpoint,
  ): FlowMatching<F> {
    checkTrainConfig(config, data, field.dim);
    checkCheckpointOption(checkpoint);
    const ema = config.emaDecay === null ? null : new Ema(field.params, config.emaDecay);
    const x = tf.tensor2d(data.data, [data.count, data.dim]); // [N, D]
    const shapes = Object.fromEntries([...field.params].map(([name, v]) => [name, v.shape]));
    const identity = { train: config, network: shapes, data: dataFingerprint(data.data) };
    try {
      const run = runTrainingLoop({
        stage: STAGE, steps: config.steps, logEvery: config.logEvery, checkpoint, identity,
        params: field.params, optimizer: config.optimizer, ema, rng: config.seed,
        step: (_, { optimizer, rng }) => {
          const rows = config.batchSize === null ? null : rng.permutation(data.count).slice(0, config.batchSize);
          return minimizeChecked(field.params, optimizer, () => {
            const batch = rows ? tf.gather(x, rows) as tf.Tensor2D : x; // [B, D]
            return flowMatchingLoss(field, batch, rng);
          });
        },
        onLog: ({ step, loss }, ctx) => onProgress?.({ step, totalSteps: config.steps, loss, elapsedSeconds: ctx.seconds() }),
      });
      return new FlowMatching(field, ema, run.losses);
    } catch (err) {
      ema?.dispose();
      throw err;
    } finally {
      x.dispose();
    }
  }

  /** `count` samples [count, D] integrated with the averaged weights; non-finite samples are refused. */
  sample(count: number, sampler: FlowSamplerConfig, what = 'flow samples'): VectorSet {
    const v = (x: tf.Tensor2D, t: number) => tf.tidy(() => this.field.velocity(x, tf.fill([x.shape[0]], t) as tf.Tensor1D));
    const draw = () => sampleFlow(v, count, this.field.dim, sampler);
    const samples = this.ema ? this.ema.withAveraged(this.field.params, draw) : draw();
    assertFinite(samples.data, samples.dim, what);
    return samples;
  }

  dispose(): void {
    this.ema?.dispose();
    this.field.dispose();
  }
}

/** Names the stage in errors and saved states. */
const STAGE = 'flow matching training';

function checkTrainConfig(config: FlowTrainConfig, data: VectorSet, dim: number): void {
  if (data.dim !== dim) throw new InputError(`data rows have ${data.dim} values, the velocity field ${dim}`);
  if (data.count < 1) throw new InputError('flow matching needs at least one data row');
  assertFinite(data.data, data.dim, 'flow matching data');
  if (!(Number.isInteger(config.steps) && config.steps >= 1)) throw new InputError(`steps must be a positive integer, got ${config.steps}`);
  if (!(Number.isInteger(config.logEvery) && config.logEvery >= 1)) throw new InputError(`logEvery must be a positive integer, got ${config.logEvery}`);
  const { batchSize } = config;
  if (batchSize !== null && !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= data.count)) {
    throw new InputError(`batchSize must be null or an integer in [1, ${data.count}], got ${batchSize}`);
  }
}
