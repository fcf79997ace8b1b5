import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { autoencoderPresets, defaultAutoencoderTrainConfig, ParamAutoencoder, trainAutoencoder, type AutoencoderTrainConfig } from '../lib/autoencoder';
import {
  defaultDiffusionTrainConfig, defaultScheduleConfig, LatentDenoiser, makeSchedule, trainDiffusion, type Denoiser, type DiffusionTrainConfig,
} from '../lib/diffusion';
import { readSafetensors } from '../lib/zoo/safetensors';
import type { VectorSet } from '../lib/params/types';
import { ConfigMismatchError, NumericalError, WriteError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { simulateFullDisk } from './helpers/disk';
import { tmpDirs } from './helpers/tmp-dirs';

const dirs = tmpDirs('resume');
after(dirs.cleanup);
const tmpFile = (name: string) => path.join(dirs.make(), name);
const weights = (params: Map<string, tf.Variable>) => [...params].map(([name, v]) => [name, v.dataSync().slice()] as const);
const interrupted = /interrupted/;
const stopAt = (at: number) => (p: { step: number }) => { if (p.step === at) throw new Error('interrupted'); };

/** The step and parameters of the state in `file`, read as any safetensors reader would. */
function savedState(file: string) {
  const { tensors, metadata } = readSafetensors(file);
  return { step: JSON.parse(metadata.state).step as number, params: tensors.filter((t) => t.name.startsWith('param:')) };
}

function vectors(count: number, dim: number, seed: number): VectorSet {
  return { count, dim, data: new Rng(seed).normalArray(count * dim) };
}

describe('resumable autoencoder training', () => {
  const data = vectors(6, 40, 1);
  const ae = () => new ParamAutoencoder({ ...autoencoderPresets.small, encChannels: [2, 3], decChannels: [3, 8] }, 40, 5);
  const config: AutoencoderTrainConfig = { ...defaultAutoencoderTrainConfig, steps: 8, logEvery: 1, seed: 3 };
  let straight: { losses: { step: number; loss: number }[]; weights: ReturnType<typeof weights> };

  before(() => {
    const net = ae();
    straight = { losses: trainAutoencoder(net, data, config).losses, weights: weights(net.params) };
    net.dispose();
  });

  it('stopped after step 5 and resumed from the state of step 4: bit-identical weights and losses', () => {
    const file = tmpFile('ae.safetensors');
    const checkpoint = { file, every: 2 };
    const first = ae();
    assert.throws(() => trainAutoencoder(first, data, config, stopAt(5), checkpoint), interrupted);
    first.dispose();
    assert.equal(savedState(file).step, 4);
    const second = ae();
    const steps: number[] = [];
    const resumed = trainAutoencoder(second, data, config, (p) => steps.push(p.step), checkpoint);
    assert.deepEqual(steps, [5, 6, 7, 8], 'continues after the saved step');
    assert.deepEqual(resumed.losses, straight.losses);
    assert.deepEqual(weights(second.params), straight.weights);
    second.dispose();
  });

  it('a finished state is loaded without training', () => {
    const checkpoint = { file: tmpFile('ae.safetensors'), every: 3 };
    const net = ae();
    trainAutoencoder(net, data, config, undefined, checkpoint);
    net.dispose();
    const again = ae();
    let reported = 0;
    const run = trainAutoencoder(again, data, config, () => reported++, checkpoint);
    assert.equal(reported, 0);
    assert.deepEqual(run.losses, straight.losses);
    assert.deepEqual(weights(again.params), straight.weights);
    again.dispose();
  });

  it('a state of another config or other data is refused, naming what differs', () => {
    const checkpoint = { file: tmpFile('ae.safetensors'), every: 4 };
    const net = ae();
    trainAutoencoder(net, data, config, undefined, checkpoint);
    const refused = (over: Partial<AutoencoderTrainConfig>, set: VectorSet, fields: string[]) =>
      assert.throws(() => trainAutoencoder(net, set, { ...config, ...over }, undefined, checkpoint),
        (e: unknown) => e instanceof ConfigMismatchError && e.file === checkpoint.file && e.fields.join() === fields.join() &&
          e.message.includes(`was saved by a run with another config (${fields.join(', ')} differ)`));
    refused({ steps: 10 }, data, ['train.steps']);
    refused({ optimizer: { ...config.optimizer, lr: 0.01 }, seed: 4 }, data, ['train.optimizer.lr', 'train.seed']);
    refused({}, vectors(6, 40, 2), ['data']);
    net.dispose();
  });

  it('a full disk fails the save with a WriteError; the previous state stays readable and resuming from it gives the same result', () => {
    const file = tmpFile('ae.safetensors');
    const checkpoint = { file, every: 2 };
    const disk = simulateFullDisk('ae.safetensors');
    const net = ae();
    try {
      assert.throws(() => trainAutoencoder(net, data, config, (p) => { if (p.step === 4) disk.full = true; }, checkpoint),
        (e: unknown) => e instanceof WriteError && e.file === file && e.code === 'ENOSPC' &&
          /cannot write .*ae\.safetensors: ENOSPC: no space left on device, write; the previous version .* is unchanged/.test(e.message));
    } finally {
      disk.restore();
      net.dispose();
    }
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['ae.safetensors'], 'no temporary file is left');
    const again = ae();
    const run = trainAutoencoder(again, data, config, undefined, checkpoint);
    assert.deepEqual(run.losses, straight.losses);
    assert.deepEqual(weights(again.params), straight.weights);
    again.dispose();
  });

  it('NaN in a weight stops training at the next step, naming stage, step and the last good state, which stays on disk', () => {
    const file = tmpFile('ae.safetensors');
    const net = ae();
    const poison = (p: { step: number }) => { if (p.step === 5) tf.tidy(() => net.params.get('dec.1/conv2/bias')!.assign(tf.fill([1], NaN))); };
    const before = tf.memory().numTensors;
    assert.throws(() => trainAutoencoder(net, data, config, poison, { file, every: 2 }),
      (e: unknown) => e instanceof NumericalError && e.stage === 'autoencoder training' && e.step === 6 &&
        e.message === `autoencoder training diverged: loss is NaN at step 6; the last good state (after step 4) is kept in ${file}`);
    assert.equal(tf.memory().numTensors, before);
    net.dispose();
    const state = savedState(file);
    assert.equal(state.step, 4);
    assert.equal(state.params.length, net.params.size);
    assert.ok(state.params.every((p) => p.data.every(Number.isFinite)));
  });

  it('with saves and a resume, the tensor count after N steps is the one after 1 step, and nothing is left behind', () => {
    const checkpoint = { file: tmpFile('ae.safetensors'), every: 2 };
    const net = ae();
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    assert.throws(() => trainAutoencoder(net, data, config, (p) => { counts.push(tf.memory().numTensors); stopAt(5)(p); }, checkpoint), interrupted);
    assert.equal(tf.memory().numTensors, before);
    trainAutoencoder(net, data, config, () => counts.push(tf.memory().numTensors), checkpoint);
    assert.equal(counts.length, 9); // steps 1–5, then 5–8 again after the resume from step 4
    assert.ok(counts.every((c) => c === counts[0]), `${counts}`);
    assert.equal(tf.memory().numTensors, before);
    net.dispose();
  });
});

describe('resumable diffusion training', () => {
  const latents = vectors(16, 8, 7);
  const schedule = makeSchedule({ ...defaultScheduleConfig, steps: 50 });
  const net = () => new LatentDenoiser(8, 50, { channels: [4, 8] }, 0);
  const config: DiffusionTrainConfig = { ...defaultDiffusionTrainConfig, steps: 9, logEvery: 3, seed: 2, emaDecay: 0.9 };
  const snapshot = (d: LatentDenoiser, result: ReturnType<typeof trainDiffusion>) => ({
    weights: weights(d.params), ema: weights(result.ema!.averages), updates: result.ema!.updates, losses: result.losses,
  });

  it('stopped after step 7 and resumed from the state of step 6: bit-identical weights, EMA averages and losses', () => {
    const reference = net();
    const straightRun = trainDiffusion(reference, latents, schedule, config);
    const straight = snapshot(reference, straightRun);
    straightRun.ema!.dispose();
    reference.dispose();

    const checkpoint = { file: tmpFile('ddpm.safetensors'), every: 2 };
    const first = net();
    assert.throws(() => trainDiffusion(first, latents, schedule, { ...config, logEvery: 1 }, stopAt(7), checkpoint), interrupted);
    first.dispose();
    // logEvery is part of the config: resume with the config the state was saved with.
    const second = net();
    const resumed = trainDiffusion(second, latents, schedule, { ...config, logEvery: 1 }, undefined, checkpoint);
    const got = snapshot(second, resumed);
    assert.deepEqual(got.weights, straight.weights);
    assert.deepEqual(got.ema, straight.ema);
    assert.equal(got.updates, 9);
    assert.deepEqual(got.losses.filter((l) => l.step % 3 === 0 || l.step === 1), straight.losses);
    resumed.ema!.dispose();

    // A finished state: loaded, not trained; the EMA comes back with it.
    const third = net();
    const loaded = trainDiffusion(third, latents, schedule, { ...config, logEvery: 1 }, () => assert.fail('trained again'), checkpoint);
    assert.deepEqual(snapshot(third, loaded).ema, straight.ema);
    loaded.ema!.dispose();
    tf.dispose([...second.params.values(), ...third.params.values()]);
  });

  it('a state of another schedule or network is refused, naming the fields', () => {
    const checkpoint = { file: tmpFile('ddpm.safetensors'), every: 9 };
    const d = net();
    trainDiffusion(d, latents, schedule, { ...config, emaDecay: null }, undefined, checkpoint);
    const cosine = makeSchedule({ ...defaultScheduleConfig, kind: 'cosine', steps: 50 });
    assert.throws(() => trainDiffusion(d, latents, cosine, { ...config, emaDecay: null }, undefined, checkpoint),
      (e: unknown) => e instanceof ConfigMismatchError && e.fields.join() === 'schedule.kind');
    const wider = new LatentDenoiser(8, 50, { channels: [4, 16] }, 0);
    assert.throws(() => trainDiffusion(wider, latents, schedule, { ...config, emaDecay: null }, undefined, checkpoint),
      (e: unknown) => e instanceof ConfigMismatchError && e.fields.some((f) => f.startsWith('network.')));
    tf.dispose([...d.params.values(), ...wider.params.values()]);
  });

  it('a non-finite gradient with a finite loss stops training, naming the step', () => {
    const w = tf.tidy(() => tf.variable(tf.scalar(1)));
    // d/dw √(0·w) = 0.5 / √0 · 0 = NaN, while the forward value stays 0.
    const broken: Denoiser = { dim: 8, timesteps: 50, params: new Map([['w', w]]), predict: (x) => x.mul(0).add(tf.sqrt(w.mul(0))) };
    const before = tf.memory().numTensors;
    assert.throws(() => trainDiffusion(broken, latents, schedule, { ...config, emaDecay: null }),
      /^NumericalError: diffusion training diverged: a gradient holds NaN or Infinity at step 1$/);
    assert.equal(tf.memory().numTensors, before);
    w.dispose();
  });
});
