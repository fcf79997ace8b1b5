import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { dataSplits, imageDataset } from '../lib/data';
import { InputError } from '../lib/util/errors';

describe('the user\'s own data as splits', () => {
  it('takes flat arrays with a shape, or tensors, and infers the classes', () => {
    const a = imageDataset({ images: [0, 1, 2, 3, 4, 5, 6, 7], labels: [0, 2], shape: [2, 2, 1] });
    assert.deepEqual([a.numClasses, a.labels.length, a.shape], [3, 2, [2, 2, 1]]);
    const images = tf.zeros([3, 2, 2, 1]) as tf.Tensor4D;
    const labels = tf.tensor1d([1, 0, 1], 'int32');
    const b = imageDataset({ images, labels, name: 'mine' });
    assert.deepEqual([b.name, b.shape, b.images.length, b.numClasses], ['mine', [2, 2, 1], 12, 2]);
    tf.dispose([images, labels]);
  });

  it('names the problem: length against shape, NaN pixels, labels out of range or fractional, mismatched splits', () => {
    assert.throws(() => imageDataset({ images: [0, 1, 2], labels: [0], shape: [2, 2, 1] }), (e: unknown) =>
      e instanceof InputError && /1 labels need 1 × 4 pixel values \(\[2,2,1\] each\), got 3/.test(e.message));
    assert.throws(() => imageDataset({ images: [0, 0, 0, NaN], labels: [0], shape: [2, 2, 1] }), /pixel 3 of image 0 is NaN/);
    assert.throws(() => imageDataset({ images: [0, 0, 0, 0], labels: [5], shape: [2, 2, 1], numClasses: 3 }), /label 0 is 5, not a class index in \[0, 3\)/);
    assert.throws(() => imageDataset({ images: [0, 0, 0, 0], labels: [0.5], shape: [2, 2, 1] }), /label 0 is 0.5/);
    assert.throws(() => imageDataset({ images: [0, 0, 0, 0], labels: [0] }), /images need their \[H, W, C\] shape/);
    const part = (shape: [number, number, number]) => ({ images: new Float32Array(shape[0] * shape[1] * shape[2]), labels: [0], shape });
    assert.throws(() => dataSplits({ train: part([2, 2, 1]), val: part([2, 2, 1]), test: part([4, 1, 1]) }), /test images are \[4,1,1\], train images \[2,2,1\]/);
    const ok = dataSplits({ train: { ...part([2, 2, 1]), labels: [4] }, val: part([2, 2, 1]), test: part([2, 2, 1]) });
    assert.equal(ok.val.numClasses, 5, 'the splits share the class count');
  });
});
