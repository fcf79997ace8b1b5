import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { softClipLoss } from '../lib/conditioning/soft-clip';
import { linearBetas } from '../lib/diffusion/schedule';
import { D2NWG_SCHEDULE, scaledLinearBetas } from '../lib/diffusion/scaled-linear';
import { defaultVaeConfig, loadVae, trainVae, defaultVaeTrainConfig, encodeRows } from '../lib/vae';
import { klDivergence } from '../lib/vae/model';
import { LOSS_LOGVAR, OfficialLossVae } from '../lib/vae/official-loss';
import { Rng } from '../lib/util/rng';
import { tmpDirs } from './helpers/tmp-dirs';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('D2NWG fidelity options: the official code\'s objectives and schedule', function () {
  this.timeout(60_000);
  const dirs = tmpDirs('d2nwg-fidelity');
  after(dirs.cleanup);

  it('the official contrastive loss: raw dot products, soft targets softmax((aaᵀ + bbᵀ)/2·τ), both directions', () => {
    const rng = new Rng(4);
    const [N, P] = [5, 3];
    const a = Array.from({ length: N }, () => Array.from({ length: P }, () => rng.normal()));
    const b = Array.from({ length: N }, () => Array.from({ length: P }, () => rng.normal()));
    const dot = (u: number[], v: number[]) => u.reduce((s, x, i) => s + x * v[i], 0);
    const softmax = (row: number[]) => {
      const m = Math.max(...row);
      const e = row.map((x) => Math.exp(x - m));
      return e.map((x) => x / e.reduce((s, y) => s + y, 0));
    };
    const reference = (tau: number) => {
      const logits = a.map((ai) => b.map((bj) => dot(ai, bj) / tau));
      const targets = a.map((ai, i) => softmax(a.map((aj, j) => ((dot(ai, aj) + dot(b[i], b[j])) / 2) * tau)));
      const ce = (l: number[], t: number[]) => -softmax(l).reduce((s, p, j) => s + t[j] * Math.log(p), 0);
      const col = (m: number[][], j: number) => m.map((r) => r[j]);
      return a.reduce((s, _, i) => s + (ce(logits[i], targets[i]) + ce(col(logits, i), col(targets, i))) / 2, 0) / N;
    };
    for (const tau of [1, 0.5]) {
      const loss = tf.tidy(() => softClipLoss(tf.tensor2d(a), tf.tensor2d(b), 1 / tau).dataSync()[0]);
      close(loss, reference(tau), 1e-5, `τ = ${tau}`);
    }
  });

  it('the scaled-linear schedule is linear in √β, from start to end (the D2NWG code: T = 1024, 0.0015 → 0.0155)', () => {
    const { steps, betaStart, betaEnd } = D2NWG_SCHEDULE;
    const betas = scaledLinearBetas(steps, betaStart, betaEnd);
    assert.equal(betas.length, 1024);
    close(betas[0], 0.0015, 1e-12, 'β_0');
    close(betas[1023], 0.0155, 1e-12, 'β_T');
    const root = Array.from(betas, Math.sqrt);
    for (let t = 1; t < steps; t++) close(root[t] - root[t - 1], (Math.sqrt(0.0155) - Math.sqrt(0.0015)) / 1023, 1e-9, `Δ√β at ${t}`);
    assert.ok(betas[512] < linearBetas(steps, betaStart, betaEnd)[512], 'below the linear schedule in between');
    assert.throws(() => scaledLinearBetas(10, 0.02, 0.01), /start ≤ end/);
  });

  it('the official VAE objective: per-row L1 over a learned log-variance + beta·KL + 1000·MSE', () => {
    const vae = new OfficialLossVae({ ...defaultVaeConfig, hidden: [16], latentDim: 4 }, 6, 1);
    const x = tf.tensor2d(new Rng(2).normalArray(8 * 6), [8, 6]);
    const seeds = { input: 1, latent: 2 };
    try {
      const loss = vae.loss(x, seeds);
      const expected = tf.tidy(() => {
        const { mean, logvar } = vae.moments(x);
        const z = mean.add(logvar.mul(0.5).exp().mul(tf.randomNormal(mean.shape, 0, 1, 'float32', seeds.latent))) as tf.Tensor2D;
        const error = vae.decode(z).sub(x);
        const nll = error.abs().sum(1).mean(); // s = 0 at init: |e| / e^0 + 0
        const kl = klDivergence(mean, logvar).mean();
        return nll.add(kl.mul(defaultVaeConfig.beta)).add(error.square().mean().mul(1000)).dataSync()[0];
      });
      close(loss.total.dataSync()[0], expected, 1e-5, 'total');
      tf.dispose([loss.total, loss.recon, loss.kl, loss.decoded]);
    } finally {
      x.dispose();
    }
    // Training moves the log-variance; the saved file is a plain VAE that encodes the same.
    const rows = { count: 64, dim: 6, data: new Rng(3).normalArray(64 * 6) };
    trainVae(vae, rows, { ...defaultVaeTrainConfig, steps: 20, batchSize: 32, logEvery: 10 });
    assert.notEqual(vae.params.get(LOSS_LOGVAR)!.dataSync()[0], 0, 'the log-variance is learned');
    const file = path.join(dirs.make(), 'vae.safetensors');
    vae.save(file);
    assert.ok(vae.params.has(LOSS_LOGVAR), 'saving keeps it in the model');
    const loaded = loadVae(file);
    assert.deepEqual(encodeRows(loaded, rows).data, encodeRows(vae, rows).data);
    loaded.dispose();
    vae.dispose();
  });
});
