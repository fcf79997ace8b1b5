import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { autoencoderPresets, mixNoise, ParamAutoencoder, type AutoencoderConfig } from '../lib/autoencoder';
import { InputError } from '../lib/util/errors';
import { maxAbsDiff, onBackend } from './helpers/backends';

/** A fast config with the small preset's structure (fold = kernel = 3, 2 blocks). */
const tiny: AutoencoderConfig = { ...autoencoderPresets.small, encChannels: [2, 3], decChannels: [3, 8] };

describe('ParamAutoencoder', () => {
  it('has the reference parameter counts (PyTorch: small 39,393, medium 1,000,497 for 778 floats) and stable names', () => {
    const small = new ParamAutoencoder(autoencoderPresets.small, 778, 0);
    assert.equal(small.paramCount, 39393);
    const names = [...small.params.keys()];
    assert.equal(names.length, 32);
    assert.deepEqual(names.slice(0, 4), ['enc.0/conv1/weight', 'enc.0/conv1/bias', 'enc.0/conv2/weight', 'enc.0/conv2/bias']);
    assert.deepEqual(names.slice(16, 20), ['dec.0/conv1/weight', 'dec.0/conv1/bias', 'dec.0/conv2/weight', 'dec.0/conv2/bias']);
    assert.deepEqual(small.params.get('enc.0/conv1/weight')!.shape, [3, 1, 2]); // [k, in, out]
    assert.deepEqual(small.params.get('dec.1/conv1/weight')!.shape, [64, 3, 64]); // transposed conv: [in, k, out]
    assert.deepEqual(small.params.get('dec.3/conv2/weight')!.shape, [3, 8, 1]);
    small.dispose();
    const medium = new ParamAutoencoder(autoencoderPresets.medium, 778, 0);
    assert.equal(medium.paramCount, 1000497);
    medium.dispose();
  });

  it('initialises like PyTorch: U(±1/√fanIn) for weights and biases, fanIn = k·channels; seeded', () => {
    const ae = new ParamAutoencoder(autoencoderPresets.small, 778, 3);
    const maxAbs = (name: string) => Math.max(...Array.from(ae.params.get(name)!.dataSync(), Math.abs));
    for (const [name, fanIn] of [['dec.0/conv2/weight', 6], ['dec.1/conv1/weight', 192], ['dec.1/conv1/bias', 192], ['dec.2/conv2/weight', 192]] as const) {
      const bound = 1 / Math.sqrt(fanIn);
      assert.ok(maxAbs(name) <= bound && maxAbs(name) > 0.9 * bound, `${name}: max |w| ${maxAbs(name)} vs bound ${bound}`);
    }
    const again = new ParamAutoencoder(autoencoderPresets.small, 778, 3);
    const other = new ParamAutoencoder(autoencoderPresets.small, 778, 4);
    const w = (m: ParamAutoencoder) => m.params.get('dec.2/conv1/weight')!.dataSync();
    assert.deepEqual(w(ae), w(again));
    assert.notDeepEqual(w(ae), w(other));
    [ae, again, other].forEach((m) => m.dispose());
  });

  it('encode gives [B, C·L] in (−1, 1), decode gives [B, inDim]; per-sample results do not depend on the batch', () => {
    const ae = new ParamAutoencoder(autoencoderPresets.small, 778, 0);
    tf.tidy(() => {
      const x = tf.randomNormal([5, 778], 0, 1, 'float32', 1) as tf.Tensor2D;
      const z = ae.encode(x);
      assert.deepEqual(z.shape, [5, 20]);
      assert.ok(z.abs().max().dataSync()[0] < 1, 'Tanh latent');
      const y = ae.decode(z);
      assert.deepEqual(y.shape, [5, 778]);
      const zFirst = ae.encode(x.slice([0, 0], [1, 778]));
      assert.ok(tf.sub(zFirst, z.slice([0, 0], [1, 20])).abs().max().dataSync()[0] < 1e-6);
    });
    ae.dispose();
  });

  it('rejects inputs of the wrong width', () => {
    const ae = new ParamAutoencoder(tiny, 40, 0);
    tf.tidy(() => {
      assert.throws(() => ae.encode(tf.zeros([2, 41])), (e: Error) => e instanceof InputError && /\[batch, 40\], got \[2, 41\]/.test(e.message));
      assert.throws(() => ae.decode(tf.zeros([2, 5])), (e: Error) => e instanceof InputError && /decode input must be \[batch, 15\]/.test(e.message));
    });
    ae.dispose();
  });

  it('mixNoise is (1 − a)·x + a·N(0, 1) with the seeded normal draw', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([50, 40], 3, 1, 'float32', 2) as tf.Tensor2D;
      const expected = x.mul(0.75).add(tf.randomNormal([50, 40], 0, 1, 'float32', 7).mul(0.25));
      assert.deepEqual(mixNoise(x, 0.25, 7).dataSync(), expected.dataSync());
      assert.deepEqual(mixNoise(x, 0, 7).dataSync(), x.dataSync());
    });
  });

  it('the training forward mixes noise into the input and the latent, then clamps the latent to [−1, 1]', () => {
    const seeds = { input: 11, latent: 12 };
    tf.tidy(() => {
      const x = tf.randomNormal([4, 40], 0, 1, 'float32', 3) as tf.Tensor2D;
      // No noise: the plain autoencoder (the Tanh latent is inside [−1, 1] already).
      const clean = new ParamAutoencoder({ ...tiny, inputNoise: 0, latentNoise: 0 }, 40, 0);
      assert.deepEqual(clean.trainForward(x, seeds).dataSync(), clean.decode(clean.encode(x)).dataSync());
      // Pure latent noise: the decoder sees clamp(N(0, 1)) from the latent seed, whatever the input.
      const noisy = new ParamAutoencoder({ ...tiny, inputNoise: 0, latentNoise: 1 }, 40, 0);
      const z = tf.clipByValue(tf.randomNormal([4, 15], 0, 1, 'float32', seeds.latent), -1, 1) as tf.Tensor2D;
      assert.deepEqual(noisy.trainForward(x, seeds).dataSync(), noisy.decode(z).dataSync());
      // Default noise: a small, seed-determined perturbation of the clean reconstruction.
      const mixed = new ParamAutoencoder(tiny, 40, 0);
      const a = mixed.trainForward(x, seeds);
      assert.deepEqual(a.dataSync(), mixed.trainForward(x, seeds).dataSync());
      assert.notDeepEqual(a.dataSync(), mixed.trainForward(x, { input: 11, latent: 13 }).dataSync());
      assert.notDeepEqual(a.dataSync(), mixed.trainForward(x, { input: 10, latent: 12 }).dataSync());
      [clean, noisy, mixed].forEach((m) => m.dispose());
    });
  });

  it('training gradients agree between the active backend and cpu, for both conv paths', async () => {
    for (const config of [tiny, { ...tiny, fold: 2, kernel: 3 }]) {
      const ae = new ParamAutoencoder(config, 40, 0);
      const gradients = () => tf.tidy(() => {
        const x = tf.randomNormal([3, 40], 0, 1, 'float32', 4) as tf.Tensor2D;
        const { value, grads } = tf.variableGrads(() => ae.trainForward(x, { input: 1, latent: 2 }).sub(x).square().mean() as tf.Scalar);
        return [value.dataSync()[0], ...[...ae.params.values()].map((v) => Array.from(grads[v.name].dataSync()))] as [number, ...number[][]];
      });
      const [lossHere, ...here] = gradients();
      const [lossCpu, ...cpu] = await onBackend('cpu', gradients);
      assert.ok(Math.abs(lossHere - lossCpu) < 1e-5, `loss ${lossHere} vs ${lossCpu}`);
      here.forEach((g, i) => assert.ok(maxAbsDiff(g, cpu[i]) < 1e-4, `fold ${config.fold}, ${[...ae.params.keys()][i]}: ${maxAbsDiff(g, cpu[i])}`));
      ae.dispose();
    }
  });
});
