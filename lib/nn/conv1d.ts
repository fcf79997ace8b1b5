/**
 * The 1D convolutions of the autoencoder (all three) and the latent denoiser (the stride-1 one),
 * in tfjs's NWC layout [B, L, C], each with PyTorch's semantics (Conv1d / ConvTranspose1d). When
 * kernel == stride (both autoencoder presets) the patches do not overlap, and the strided conv and
 * the transposed conv are each one reshape + fused matMul with bias: no im2col, no conv kernel,
 * matMul gradients. Other kernels use tfjs's strided / transposed conv.
 * The stride-1 conv stays a conv2d: on wasm (XNNPACK) it beats im2col + matMul, whose im2col copy
 * and operand packing cost more than they save (measured).
 */
import * as tf from '@tensorflow/tfjs';

/** Pads only the length axis of [B, 1, L, C]. */
function lengthPadding(before: number, after: number): tf.backend_util.ExplicitPadding {
  return [[0, 0], [0, 0], [before, after], [0, 0]];
}

/**
 * Conv1d(kernel, stride 1, padding floor(kernel / 2)): the length is kept for odd kernels
 * (and grows by one for even ones, as in PyTorch).
 * x [B, L, Cin], w [k, Cin, Cout], b [Cout] → [B, L', Cout].
 */
export function convSame(x: tf.Tensor3D, w: tf.Tensor3D, b: tf.Tensor1D): tf.Tensor3D {
  return tf.tidy(() => {
    const [k, cin, cout] = w.shape;
    const pad = Math.floor(k / 2);
    const y = tf.fused.conv2d({
      x: x.expandDims(1) as tf.Tensor4D, // [B, 1, L, Cin]
      filter: w.reshape([1, k, cin, cout]) as tf.Tensor4D,
      strides: 1,
      pad: lengthPadding(pad, pad),
      bias: b,
    }); // [B, 1, L', Cout]
    return y.squeeze([1]) as tf.Tensor3D; // [B, L', Cout]
  });
}

/**
 * Conv1d(kernel, stride, no padding): x [B, L, Cin], w [k, Cin, Cout], b [Cout]
 * → [B, floor((L − k) / stride) + 1, Cout].
 */
export function convDown(x: tf.Tensor3D, w: tf.Tensor3D, b: tf.Tensor1D, stride: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, length, cin] = x.shape;
    const [k, , cout] = w.shape;
    if (k !== stride) {
      const y = tf.fused.conv2d({
        x: x.expandDims(1) as tf.Tensor4D, // [B, 1, L, Cin]
        filter: w.reshape([1, k, cin, cout]) as tf.Tensor4D,
        strides: [1, stride],
        pad: 'valid',
        bias: b,
      }); // [B, 1, L', Cout]
      return y.squeeze([1]) as tf.Tensor3D; // [B, L', Cout]
    }
    // out[b, l, o] = Σ_{j,c} x[b, l·k + j, c] · w[j, c, o] + bias[o]: patch (l) rows times the flattened kernel.
    const n = Math.floor(length / k);
    // A leading part of each row: sliced as 2D, which tfjs-backend-wasm does ~10x faster than 3D.
    const used = n * k === length ? x : x.reshape([batch, length * cin]).slice([0, 0], [batch, n * k * cin]); // [B, n·k·Cin]
    const y = tf.fused.matMul({
      a: used.reshape([batch * n, k * cin]), // [B·n, k·Cin], index j·Cin + c
      b: w.reshape([k * cin, cout]), // [k·Cin, Cout]
      bias: b,
    }); // [B·n, Cout]
    return y.reshape([batch, n, cout]); // [B, n, Cout]
  });
}

/**
 * ConvTranspose1d(kernel, stride, no padding): x [B, L, Cin], w [Cin, k, Cout] (PyTorch's
 * [Cin, Cout, k] with the kernel axis moved before the output channels), b [Cout]
 * → [B, (L − 1)·stride + k, Cout].
 */
export function convUp(x: tf.Tensor3D, w: tf.Tensor3D, b: tf.Tensor1D, stride: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, length, cin] = x.shape;
    const [, k, cout] = w.shape;
    if (k !== stride) {
      const outLength = (length - 1) * stride + k;
      const filter = w.transpose([1, 2, 0]).reshape([1, k, cout, cin]) as tf.Tensor4D; // [1, k, Cout, Cin]
      const y = tf.conv2dTranspose(
        x.expandDims(1) as tf.Tensor4D, filter, [batch, 1, outLength, cout], [1, stride], 'valid'); // [B, 1, L', Cout]
      return y.squeeze([1]).add(b) as tf.Tensor3D; // [B, L', Cout]
    }
    // out[b, l·k + j, o] = Σ_c x[b, l, c] · w[c, j, o] + bias[o]: each input position writes its own k outputs.
    const y = tf.fused.matMul({
      a: x.reshape([batch * length, cin]), // [B·L, Cin]
      b: w.reshape([cin, k * cout]), // [Cin, k·Cout], index j·Cout + o
      bias: tf.tile(b, [k]),
    }); // [B·L, k·Cout]
    return y.reshape([batch, length * k, cout]); // [B, L·k, Cout]
  });
}
