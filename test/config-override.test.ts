import { strict as assert } from 'node:assert';
import { parseRunArgs } from '../lib/cli/run-args';
import { applyOverrides } from '../lib/util/config-override';
import { InputError } from '../lib/util/errors';

/** A config of every JSON type, nested like the runs' configs. */
const config = {
  preset: 'quick',
  collect: { subset: ['fc2/*'], snapshots: 50, train: { epochs: 2, lr: 0.01 } },
  autoencoderTrain: { steps: 1000, lr: 0.001, logEvery: 100 },
  sampler: { kind: 'ddim', clip: null as number | null, deterministic: true },
  noiseSigmas: [0.001, 0.01],
};
const frozen = structuredClone(config);

const inputError = (pattern: RegExp) => (e: unknown) => e instanceof InputError && pattern.test(e.message);

describe('applyOverrides: --set path=value', () => {
  it('sets a nested number and leaves the original config and its other fields as they were', () => {
    const out = applyOverrides(config, ['collect.train.epochs=5']);
    assert.deepEqual(out, { ...config, collect: { ...config.collect, train: { epochs: 5, lr: 0.01 } } });
    assert.deepEqual(config, frozen);
    assert.equal(out.autoencoderTrain, config.autoencoderTrain, 'fields off the path are shared, not copied');
  });

  it('replaces an array whole, given as JSON', () => {
    const out = applyOverrides(config, ['collect.subset=["fc/*","conv1/weight"]', 'noiseSigmas=[]']);
    assert.deepEqual(out.collect.subset, ['fc/*', 'conv1/weight']);
    assert.deepEqual(out.noiseSigmas, []);
  });

  it('takes text that is not JSON as a string, and a JSON string quoted', () => {
    assert.equal(applyOverrides(config, ['sampler.kind=ddpm']).sampler.kind, 'ddpm');
    assert.equal(applyOverrides(config, ['preset="123"']).preset, '123');
    assert.equal(applyOverrides(config, ['preset=a=b']).preset, 'a=b', 'only the first = separates');
  });

  it('applies the sets in order: a later one wins', () => {
    const out = applyOverrides(config, ['autoencoderTrain.steps=500', 'autoencoderTrain.lr=0.01', 'autoencoderTrain.steps=700']);
    assert.deepEqual(out.autoencoderTrain, { steps: 700, lr: 0.01, logEvery: 100 });
  });

  it('sets a boolean, and a null field to a number or back to null', () => {
    assert.equal(applyOverrides(config, ['sampler.deterministic=false']).sampler.deterministic, false);
    assert.equal(applyOverrides(config, ['sampler.clip=1.5']).sampler.clip, 1.5);
    assert.equal(applyOverrides(config, ['sampler.clip=null']).sampler.clip, null);
  });

  it('refuses a path that does not exist, naming it and the fields where it failed', () => {
    assert.throws(() => applyOverrides(config, ['autoencoderTrain.stpes=500']),
      inputError(/^--set autoencoderTrain\.stpes=500: autoencoderTrain has no field stpes \(fields: steps, lr, logEvery\)$/));
    assert.throws(() => applyOverrides(config, ['seed=1']), inputError(/the config has no field seed \(fields: preset, collect, autoencoderTrain, sampler, noiseSigmas\)/));
    assert.throws(() => applyOverrides(config, ['collect.snapshots.count=3']), inputError(/collect\.snapshots is a number, which has no fields/));
    assert.throws(() => applyOverrides(config, ['steps']), inputError(/--set steps: expected path=value/));
  });

  it('refuses a value of another type, naming the path, the type it takes and the value given', () => {
    assert.throws(() => applyOverrides(config, ['autoencoderTrain.steps=many']),
      inputError(/^--set autoencoderTrain\.steps=many: autoencoderTrain\.steps takes a number, got "many" \(a string\)$/));
    assert.throws(() => applyOverrides(config, ['collect.subset=fc/*']), inputError(/collect\.subset takes an array, got "fc\/\*" \(a string\)/));
    assert.throws(() => applyOverrides(config, ['preset=123']), inputError(/preset takes a string, got 123 \(a number\)/));
    assert.throws(() => applyOverrides(config, ['collect.train=[1]']), inputError(/collect\.train takes an object, got \[1\] \(an array\)/));
    assert.throws(() => applyOverrides(config, ['sampler.clip=true']), inputError(/sampler\.clip takes a number or null, got true \(a boolean\)/));
    assert.throws(() => applyOverrides(config, ['autoencoderTrain.steps=null']), inputError(/takes a number, got null \(null\)/));
  });
});

describe('parseRunArgs', () => {
  it('collects repeated --set in order, and none by default', () => {
    const args = parseRunArgs(['--preset', 'smoke', '--set', 'autoencoderTrain.steps=500', '--set=collect.subset=["fc/*"]', '--seed', '3']);
    assert.deepEqual(args, { preset: 'smoke', seed: 3, out: undefined, restart: false, sets: ['autoencoderTrain.steps=500', 'collect.subset=["fc/*"]'] });
    assert.deepEqual(parseRunArgs([]).sets, []);
  });
});
