/**
 * The p-diff evaluation head of M models over shared features: a per-channel affine map
 * (inference-mode BN), ReLU and global average pooling, x [N, h, w, C] → [M, N, C]. The tfjs ops
 * materialise the [M, N, h, w, C] activations and pass over them several times; a backend with the
 * `AffineReluMean` kernel (native: lib/backend/native-ops.ts) makes one pass over x instead,
 * ~30× faster. Its gradient is the tfjs ops' (materialising the ReLU's mask once), so a loss on
 * many models' outputs (the autoencoder's behavioural loss) trains through the kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';

export const AFFINE_RELU_MEAN = 'AffineReluMean';

/**
 * With g[m, n, p, c] = dy[m, n, c] / P · [x[n, p, c]·scale[m, c] + shift[m, c] > 0] over the P = h·w
 * positions: dx = Σ_m g·scale, dscale = Σ_{n,p} g·x, dshift = Σ_{n,p} g. The tape asks only for
 * the inputs on its path (the cached features are constants there, so dx is not computed).
 */
tf.registerGradient({
  kernelName: AFFINE_RELU_MEAN,
  inputsToSave: ['x', 'scale', 'shift'],
  gradFunc: (dy, saved) => {
    const [x, scale, shift] = saved as [tf.Tensor4D, tf.Tensor2D, tf.Tensor2D];
    const [n, h, w, c] = x.shape;
    const m = scale.shape[0];
    const positions = x.reshape([1, n, h * w, c]); // [1, N, P, C]
    const [s, b] = [scale.reshape([m, 1, 1, c]), shift.reshape([m, 1, 1, c])]; // [M, 1, 1, C]
    const mask = tf.step(positions.mul(s).add(b)); // [M, N, P, C]
    const g = mask.mul((dy as tf.Tensor3D).reshape([m, n, 1, c]).div(h * w)); // [M, N, P, C]
    return {
      x: () => g.mul(s).sum(0).reshape([n, h, w, c]),
      scale: () => g.mul(positions).sum([1, 2]),
      shift: () => g.sum([1, 2]),
    };
  },
});

function shapeProblem(x: tf.Tensor, scale: tf.Tensor, shift: tf.Tensor): string | undefined {
  if (x.rank !== 4) return `the features must be [N, h, w, C], got [${x.shape}]`;
  if (scale.rank !== 2) return `scale must be [M, C], got [${scale.shape}]`;
  if (!tf.util.arraysEqual(scale.shape, shift.shape)) return `shift has shape [${shift.shape}], scale [${scale.shape}]`;
  if (scale.shape[1] !== x.shape[3]) return `scale has ${scale.shape[1]} channels, the features ${x.shape[3]}`;
  return undefined;
}

/** out[m, n, c] = mean over (h, w) of relu(x[n, h, w, c] · scale[m, c] + shift[m, c]). */
export function affineReluMean(x: tf.Tensor4D, scale: tf.Tensor2D, shift: tf.Tensor2D): tf.Tensor3D {
  const problem = shapeProblem(x, scale, shift);
  if (problem) throw new InputError(`affineReluMean: ${problem}`);
  if ([x, scale, shift].every((t) => t.dtype === 'float32') && tf.getKernel(AFFINE_RELU_MEAN, tf.getBackend())) {
    return tf.engine().runKernel(AFFINE_RELU_MEAN, { x, scale, shift }) as tf.Tensor3D;
  }
  return tf.tidy(() => {
    const [m, c] = scale.shape;
    const h = tf.relu(x.expandDims(0).mul(scale.reshape([m, 1, 1, 1, c])).add(shift.reshape([m, 1, 1, 1, c]))); // [M, N, h, w, C]
    return tf.mean(h, [2, 3]) as tf.Tensor3D;
  });
}
