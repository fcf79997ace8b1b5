/**
 * Op micro-benchmarks of the active backend: matrix products (512², 1024² with every transpose
 * flag, and the products of our models), the p-diff evaluation's fused BN + ReLU + pooling
 * (affineReluMean), and the convolutions of the three models at their pdiff-small shapes —
 * ConvNet-S's conv2d layers at the training batch, the parameter autoencoder's conv1d layers
 * (lib/nn/conv1d) and the latent denoiser's, both at the full batch of K snapshots. Each
 * is timed forward, and forward + gradients w.r.t. input and weights.
 */
import * as tf from '@tensorflow/tfjs';
import { sameConvLength } from '../autoencoder/config';
import { convDown, convSame, convUp } from '../nn/conv1d';
import { ParamAutoencoder } from '../autoencoder/model';
import { LatentDenoiser } from '../diffusion/denoiser';
import type { PdiffConfig } from '../pdiff/config';
import { defaultConvNetSConfig } from '../models/convnet-s';
import { affineReluMean } from '../nn/affine-relu-mean';
import type { ModelShapes } from './shapes';
import { timeRuns, type Timing, type TimingConfig } from './timing';

export interface OpCase {
  /** What runs, e.g. 'matmul TN', 'conv2d', 'AE up (ConvTranspose1d)'. */
  op: string;
  /** Where it comes from and its shapes, e.g. 'ConvNet-S conv2 [128, 14, 14, 16] k3 → 32'. */
  shape: string;
  /** Floating-point operations of one forward pass (a multiply-add counts 2). */
  flops: number;
  /** Whether to time the gradient pass too (3× the forward flops: input and weight gradients). */
  backward: boolean;
  /** The forward as a function of its operands, and the operands (made when the case runs). */
  fn: (...operands: tf.Tensor[]) => tf.Tensor;
  operands: () => tf.Tensor[];
}

export interface OpResult {
  op: string;
  shape: string;
  flops: number;
  forward: Timing;
  /** Forward + gradients w.r.t. every operand; null when not measured. */
  forwardBackward: Timing | null;
}

/** Operand values do not change the timings. */
const randn = (shape: number[]) => tf.randomNormal(shape);

const flagName = (ta: boolean, tb: boolean) => `${ta ? 'T' : 'N'}${tb ? 'T' : 'N'}`;

/** a·b of [m, k]·[k, n], operands stored transposed where a flag says so. */
export function matMulCase(label: string, [m, k, n]: [number, number, number], ta = false, tb = false, backward = false): OpCase {
  return {
    op: `matmul ${flagName(ta, tb)}`,
    shape: `${label}[${m}, ${k}]·[${k}, ${n}]`,
    flops: 2 * m * k * n,
    backward,
    fn: (a, b) => tf.matMul(a, b, ta, tb),
    operands: () => [randn(ta ? [k, m] : [m, k]), randn(tb ? [n, k] : [k, n])],
  };
}

/**
 * 512² and 1024² with each flag combination (forward), the products our models run, and the
 * p-diff evaluation's BN + ReLU + pooling that precedes its batched head product.
 */
export function matMulCases(config: PdiffConfig, shapes: ModelShapes): OpCase[] {
  const square = [512, 1024].flatMap((d) => [[false, false], [true, false], [false, true], [true, true]]
    .map(([ta, tb]) => matMulCase('', [d, d, d], ta, tb)));
  const features = defaultConvNetSConfig.channels[2];
  const { modelsPerChunk, imagesPerChunk } = config.evaluation;
  const evalHead: OpCase = { // the p-diff evaluation's head of many models at once, as ConvNet-S's split.headMany runs it
    op: 'batched matmul NN',
    shape: `eval head [${modelsPerChunk}, ${imagesPerChunk}, ${features}]·[${modelsPerChunk}, ${features}, ${shapes.numClasses}]`,
    flops: 2 * modelsPerChunk * imagesPerChunk * features * shapes.numClasses,
    backward: false,
    fn: (a, b) => tf.matMul(a, b),
    operands: () => [randn([modelsPerChunk, imagesPerChunk, features]), randn([modelsPerChunk, features, shapes.numClasses])],
  };
  const [h, w] = shapes.image.map((d) => d >> 2); // conv3's output: two 2×2 max pools
  const evalPool: OpCase = { // its input, as ConvNet-S's split.headMany computes it from the cached conv3 features
    op: 'affineReluMean',
    shape: `eval head [${imagesPerChunk}, ${h}, ${w}, ${features}] × ${modelsPerChunk} models`,
    flops: 3 * modelsPerChunk * imagesPerChunk * h * w * features,
    backward: false,
    fn: (x, scale, shift) => affineReluMean(x as tf.Tensor4D, scale as tf.Tensor2D, shift as tf.Tensor2D),
    operands: () => [randn([imagesPerChunk, h, w, features]), randn([modelsPerChunk, features]), randn([modelsPerChunk, features])],
  };
  return [...square, matMulCase('ConvNet-S fc ', [shapes.taskBatch, features, shapes.numClasses], false, false, true), evalHead, evalPool];
}

/** ConvNet-S's three 3×3 'same' convolutions (no bias) at the training batch; maxpool 2 halves H and W after conv1 and conv2. */
export function convNetCases(shapes: ModelShapes): OpCase[] {
  const [h, w] = shapes.image;
  let cin = defaultConvNetSConfig.inChannels;
  return defaultConvNetSConfig.channels.map((cout, i) => {
    const [hi, wi, c] = [h >> i, w >> i, cin];
    cin = cout;
    return {
      op: 'conv2d k3 same',
      shape: `ConvNet-S conv${i + 1} [${shapes.taskBatch}, ${hi}, ${wi}, ${c}] → ${cout}`,
      flops: 2 * shapes.taskBatch * hi * wi * cout * 9 * c,
      backward: true,
      fn: (x, k) => tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, 'same'),
      operands: () => [randn([shapes.taskBatch, hi, wi, c]), randn([3, 3, c, cout])],
    };
  });
}

/** The parameter autoencoder's conv1d layers, block by block, on the full batch of K snapshots. */
export function autoencoderCases(config: PdiffConfig, shapes: ModelShapes): OpCase[] {
  const ae = new ParamAutoencoder(config.autoencoder, shapes.subsetSize, 0);
  const shapeOf = (name: string) => ae.params.get(`${name}/weight`)!.shape as number[];
  const { geometry: g } = ae;
  const { kernel: k, fold } = config.autoencoder;
  const B = shapes.snapshots;
  const cases: OpCase[] = [];
  // x [B, L, Cin], weight w, bias; a conv does 2·k·Cin flops per output position and channel, a transposed
  // conv 2·k·Cout per input position and input channel (so it passes its input length as the positions).
  const layer = (op: string, name: string, length: number, cin: number, w: number[], outPositions: number, fn: OpCase['fn']) => {
    const cout = w[w.length - 1];
    cases.push({
      op, shape: `AE ${name} [${B}, ${length}, ${cin}] → ${cout}`, flops: 2 * B * outPositions * k * cin * cout, backward: true, fn,
      operands: () => [randn([B, length, cin]), randn(w), randn([cout])],
    });
  };
  config.autoencoder.encChannels.forEach((_, i) => {
    const [w1, w2] = [shapeOf(`enc.${i}/conv1`), shapeOf(`enc.${i}/conv2`)];
    const length = i === 0 ? g.paddedDim : g.encLengths[i - 1];
    const same = sameConvLength(length, k);
    layer('conv1d same', `enc.${i}/conv1`, length, w1[1], w1, same, (x, w, b) => convSame(x as tf.Tensor3D, w as tf.Tensor3D, b as tf.Tensor1D));
    layer(`conv1d stride ${fold}`, `enc.${i}/conv2`, same, w2[1], w2, g.encLengths[i],
      (x, w, b) => convDown(x as tf.Tensor3D, w as tf.Tensor3D, b as tf.Tensor1D, fold));
  });
  config.autoencoder.decChannels.forEach((c, i) => {
    const [w1, w2] = [shapeOf(`dec.${i}/conv1`), shapeOf(`dec.${i}/conv2`)];
    const length = i === 0 ? g.latentLength : g.decLengths[i - 1];
    const up = (length - 1) * fold + k;
    layer(`conv-transpose1d stride ${fold}`, `dec.${i}/conv1`, length, c, w1, length, (x, w, b) => convUp(x as tf.Tensor3D, w as tf.Tensor3D, b as tf.Tensor1D, fold));
    layer('conv1d same', `dec.${i}/conv2`, up, w2[1], w2, sameConvLength(up, k), (x, w, b) => convSame(x as tf.Tensor3D, w as tf.Tensor3D, b as tf.Tensor1D));
  });
  ae.dispose();
  return cases;
}

/** The latent denoiser's distinct conv1d k3 'same' layers on [K, D, Cin], as LatentDenoiser runs them. */
export function denoiserCases(config: PdiffConfig, shapes: ModelShapes, timesteps: number): OpCase[] {
  const denoiser = new LatentDenoiser(shapes.latentDim, timesteps, config.denoiser, 0);
  const seen = new Set<string>();
  const cases: OpCase[] = [];
  const [B, D] = [shapes.snapshots, shapes.latentDim];
  for (const [name, v] of denoiser.params) {
    if (!name.endsWith('/weight') || v.rank !== 3) continue;
    const [k, cin, cout] = v.shape;
    if (seen.has(`${cin}→${cout}`)) continue;
    seen.add(`${cin}→${cout}`);
    cases.push({
      op: 'conv1d k3 same', shape: `denoiser ${name.replace('/weight', '')} [${B}, ${D}, ${cin}] → ${cout}`,
      flops: 2 * B * D * k * cin * cout, backward: true,
      fn: (x, w, b) => tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, 1, 'same').add(b),
      operands: () => [randn([B, D, cin]), randn([k, cin, cout]), randn([cout])],
    });
  }
  denoiser.dispose();
  return cases;
}

/** Times one case forward, and forward + gradients when it asks. */
export function runOpCase(c: OpCase, timing: TimingConfig): OpResult {
  const operands = c.operands();
  try {
    const forward = timeRuns(() => c.fn(...operands), timing);
    const forwardBackward = c.backward
      ? timeRuns(() => tf.grads((...xs: tf.Tensor[]) => c.fn(...xs).sum())(operands), timing)
      : null;
    return { op: c.op, shape: c.shape, flops: c.flops, forward, forwardBackward };
  } finally {
    tf.dispose(operands);
  }
}
