import { strict as assert } from 'node:assert';
import { selectParamNames } from '../lib/params/select';
import { InputError } from '../lib/util/errors';

const convNetS = [
  'conv1/weight', 'bn1/weight', 'bn1/bias',
  'conv2/weight', 'bn2/weight', 'bn2/bias',
  'conv3/weight', 'bn3/weight', 'bn3/bias',
  'fc/weight', 'fc/bias',
];

describe('params/select', () => {
  it('selects the p-diff subset in model order, whatever the pattern order', () => {
    assert.deepEqual(selectParamNames(convNetS, ['fc/*', 'bn3/*']), ['bn3/weight', 'bn3/bias', 'fc/weight', 'fc/bias']);
  });

  it('* stays within one segment, ** crosses segments', () => {
    const names = ['block1/conv/weight', 'block1/bn/bias', 'fc/bias', 'bias'];
    assert.throws(() => selectParamNames(names, ['block1/*']), InputError); // only deeper names exist
    assert.deepEqual(selectParamNames(names, ['block1/**']), ['block1/conv/weight', 'block1/bn/bias']);
    assert.deepEqual(selectParamNames(names, ['*/bias']), ['fc/bias']);
    assert.deepEqual(selectParamNames(names, ['**/bias']), ['block1/bn/bias', 'fc/bias', 'bias']);
    assert.deepEqual(selectParamNames(names, ['*/*/weight']), ['block1/conv/weight']);
  });

  it('takes exact names, treats regex characters literally and never repeats a name', () => {
    assert.deepEqual(selectParamNames(convNetS, ['fc/bias', 'fc/*', 'fc/bias']), ['fc/weight', 'fc/bias']);
    assert.throws(() => selectParamNames(convNetS, ['fc.bias']), InputError);
    assert.throws(() => selectParamNames(convNetS, ['bn[13]/weight']), InputError);
  });

  it('names a pattern that matches nothing and lists what is available', () => {
    assert.throws(
      () => selectParamNames(convNetS, ['bn3/*', 'bn4/*']),
      (err: Error) =>
        err instanceof InputError && err.message.includes('"bn4/*"') && err.message.includes('conv1/weight, bn1/weight'),
    );
    assert.throws(() => selectParamNames(convNetS, []), InputError);
  });
});
