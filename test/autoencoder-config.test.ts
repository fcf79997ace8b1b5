import { strict as assert } from 'node:assert';
import {
  autoencoderGeometry, autoencoderPresets, defaultAutoencoderConfig, paddedLength, type AutoencoderConfig,
} from '../lib/autoencoder';
import { InputError } from '../lib/util/errors';

const custom = (patch: Partial<AutoencoderConfig>): AutoencoderConfig => ({ ...autoencoderPresets.small, ...patch });

describe('autoencoder config and geometry', () => {
  it('presets are the official small and medium configs, small the default', () => {
    assert.deepEqual(autoencoderPresets.small, {
      fold: 3, kernel: 3, encChannels: [2, 2, 2, 2], decChannels: [2, 64, 64, 8], inputNoise: 0.001, latentNoise: 0.1, leakySlope: 0.01,
    });
    assert.deepEqual(autoencoderPresets.medium, {
      fold: 5, kernel: 5, encChannels: [4, 4, 4, 4], decChannels: [4, 256, 256, 8], inputNoise: 0.001, latentNoise: 0.1, leakySlope: 0.01,
    });
    assert.equal(defaultAutoencoderConfig, autoencoderPresets.small);
  });

  it('pads as the official code: (floor(d / fold^n) + 1)·fold^n, a whole extra block for exact multiples', () => {
    assert.equal(paddedLength(autoencoderPresets.small, 778), 810);
    assert.equal(paddedLength(autoencoderPresets.medium, 778), 1250);
    assert.equal(paddedLength(autoencoderPresets.medium, 2048), 2500);
    assert.equal(paddedLength(autoencoderPresets.small, 81), 162);
    assert.equal(paddedLength(custom({ fold: 2, encChannels: [3, 3] }), 10), 12);
  });

  it('latent shape: small 2 × 10, medium 4 × 2 for 778 floats; custom configs follow the conv lengths', () => {
    const small = autoencoderGeometry(autoencoderPresets.small, 778);
    assert.deepEqual([small.latentChannels, small.latentLength, small.latentDim], [2, 10, 20]);
    assert.deepEqual(small.encLengths, [270, 90, 30, 10]);
    assert.deepEqual(small.decLengths, [30, 90, 270, 810]);
    const medium = autoencoderGeometry(autoencoderPresets.medium, 778);
    assert.deepEqual([medium.paddedDim, medium.latentChannels, medium.latentLength], [1250, 4, 2]);
    // kernel 3 ≠ fold 2: Conv1d lengths floor((L − 3) / 2) + 1, ConvTranspose1d (L − 1)·2 + 3.
    const strided = autoencoderGeometry(custom({ fold: 2, encChannels: [2, 5], decChannels: [5, 3] }), 10);
    assert.deepEqual([strided.paddedDim, strided.encLengths, strided.decLengths, strided.latentDim], [12, [5, 2], [5, 11], 10]);
    // An even kernel lengthens each stride-1 conv by one, as PyTorch's padding k // 2 does.
    const even = autoencoderGeometry(custom({ fold: 2, kernel: 4, encChannels: [2, 3], decChannels: [3, 4] }), 40);
    assert.deepEqual([even.paddedDim, even.encLengths, even.decLengths], [44, [21, 10], [23, 49]]);
  });

  it('rejects configs that cannot encode and decode the input, naming the problem', () => {
    const rejects = (config: AutoencoderConfig, inDim: number, pattern: RegExp) =>
      assert.throws(() => autoencoderGeometry(config, inDim), (e: Error) => e instanceof InputError && pattern.test(e.message));
    rejects(custom({ decChannels: [4, 64, 64, 8] }), 778, /decChannels\[0\] \(4\) must equal the latent channels/);
    rejects(custom({ encChannels: [] }), 778, /encChannels must be a non-empty list/);
    rejects(custom({ fold: 0 }), 778, /fold must be a positive integer/);
    rejects(custom({ kernel: 2.5 }), 778, /kernel must be a positive integer/);
    rejects(custom({ latentNoise: 1.5 }), 778, /latentNoise must be in \[0, 1\]/);
    rejects(custom({ fold: 5, kernel: 5, encChannels: [2, 2, 2, 2] }), 300, /latent length is 1/);
    rejects(custom({ decChannels: [2, 8] }), 778, /decoder output length 90 is shorter than the input dim 778/);
    rejects(autoencoderPresets.small, 0, /input dim must be a positive integer/);
  });
});
