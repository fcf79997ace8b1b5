import { strict as assert } from 'node:assert';
import { cosineBetas, defaultScheduleConfig, makeSchedule, MAX_COSINE_BETA, type ScheduleConfig } from '../lib/diffusion';
import { InputError } from '../lib/util/errors';

/** |a − b| within `rel` of |b|. */
function close(a: number, b: number, rel: number, what: string): void {
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);
}

describe('diffusion/schedule', () => {
  it('linear: the DDPM betas and ᾱ match torch.linspace / torch.cumprod in float64', () => {
    const s = makeSchedule(defaultScheduleConfig);
    assert.equal(s.steps, 1000);
    assert.equal(s.betas[0], 1e-4);
    close(s.betas[999], 2e-2, 1e-15, 'β_999');
    close(s.betas[500], 0.01005995995995996, 1e-14, 'β_500');
    assert.equal(s.alphasCumprod[0], 1 - 1e-4);
    // Values printed by torch 1.13 (float64) from the reference's GaussianDiffusion.
    close(s.alphasCumprod[499], 0.07858724288177824, 1e-12, 'ᾱ_499');
    close(s.alphasCumprod[999], 4.035829765375676e-05, 1e-12, 'ᾱ_999');
    let product = 1;
    for (let t = 0; t < 1000; t++) product *= 1 - (1e-4 + (t * (2e-2 - 1e-4)) / 999);
    close(s.alphasCumprod[999], product, 1e-12, 'ᾱ_999 vs an independent product');
  });

  it('scaled-linear: linear in √β between the ends (the D2NWG code\'s schedule)', () => {
    const s = makeSchedule({ ...defaultScheduleConfig, kind: 'scaled-linear', steps: 1024, betaStart: 0.0015, betaEnd: 0.0155 });
    assert.ok(Math.abs(s.betas[0] - 0.0015) < 1e-12 && Math.abs(s.betas[1023] - 0.0155) < 1e-12);
    const root = (t: number) => Math.sqrt(s.betas[t]);
    assert.ok(Math.abs(root(512) - root(511) - (root(1) - root(0))) < 1e-12, 'equal steps in √β');
  });

  it('cosine: Nichol & Dhariwal values (improved-diffusion formula in numpy), last beta clipped at 0.999', () => {
    const s = makeSchedule({ ...defaultScheduleConfig, kind: 'cosine' });
    close(s.betas[0], 4.128422482196914e-5, 1e-10, 'β_0');
    close(s.betas[499], 0.0031458862304780677, 1e-10, 'β_499');
    close(s.betas[998], 0.7499993929011166, 1e-10, 'β_998');
    assert.equal(s.betas[999], MAX_COSINE_BETA);
    close(s.alphasCumprod[0], 0.999958715775178, 1e-12, 'ᾱ_0');
    close(s.alphasCumprod[499], 0.4938435904406382, 1e-10, 'ᾱ_499');
    close(s.alphasCumprod[998], 2.4287669070348544e-6, 1e-8, 'ᾱ_998');
    // Eq. 17 directly: ᾱ_t (0-based) = f(t + 1) / f(0).
    const f = (t: number) => Math.cos(((t / 1000 + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    close(s.alphasCumprod[499], f(500) / f(0), 1e-10, 'ᾱ_499 vs f(500)/f(0)');
    assert.deepEqual(cosineBetas(4, 0).slice(-1), Float64Array.of(MAX_COSINE_BETA));
  });

  for (const kind of ['linear', 'scaled-linear', 'cosine'] as const) {
    for (const steps of [10, 1000]) {
      it(`${kind}, T = ${steps}: betas in (0, 0.999], ᾱ strictly decreasing, coefficients consistent`, () => {
        const config: ScheduleConfig = { ...defaultScheduleConfig, kind, steps };
        const s = makeSchedule(config);
        for (let t = 0; t < steps; t++) {
          assert.ok(s.betas[t] > 0 && s.betas[t] <= 0.999, `β_${t} = ${s.betas[t]}`);
          if (t > 0) assert.ok(s.alphasCumprod[t] < s.alphasCumprod[t - 1], `ᾱ_${t} does not decrease`);
          close(s.alphasCumprodPrev[t], t === 0 ? 1 : s.alphasCumprod[t - 1], 0, `ᾱ_prev ${t}`);
          close(s.sqrtAlphasCumprod[t] ** 2 + s.sqrtOneMinusAlphasCumprod[t] ** 2, 1, 1e-12, `signal² + noise² at ${t}`);
          close(s.sqrtRecipAlphasCumprod[t] * s.sqrtAlphasCumprod[t], 1, 1e-12, `√(1/ᾱ)·√ᾱ at ${t}`);
          close(s.sqrtRecipm1AlphasCumprod[t], s.sqrtOneMinusAlphasCumprod[t] / s.sqrtAlphasCumprod[t], 1e-12, `√(1/ᾱ − 1) at ${t}`);
          // DDPM eq. 7, from the betas directly.
          const a = s.alphasCumprod[t];
          const aPrev = s.alphasCumprodPrev[t];
          close(s.posteriorMeanCoef1[t], (Math.sqrt(aPrev) * s.betas[t]) / (1 - a), 1e-12, `coef1 at ${t}`);
          close(s.posteriorMeanCoef2[t], (Math.sqrt(1 - s.betas[t]) * (1 - aPrev)) / (1 - a), 1e-12, `coef2 at ${t}`);
          if (t > 0) assert.equal(s.fixedLargeVariance[t], s.betas[t]);
        }
        assert.equal(s.posteriorVariance[0], 0);
        close(s.posteriorMeanCoef1[0], 1, 1e-12, 'coef1 at 0'); // μ̃_1 = x̂_0: the last step returns the x_0 estimate
        assert.equal(s.posteriorMeanCoef2[0], 0);
        assert.equal(s.fixedLargeVariance[0], s.posteriorVariance[1]);
      });
    }
  }

  it("'fixedlarge' at t = 0 is the posterior variance of t = 1, as the reference's log_var", () => {
    close(makeSchedule().fixedLargeVariance[0], 5.4531876613021935e-5, 1e-12, 'σ²_0');
  });

  it('rejects impossible configs', () => {
    for (const bad of [{ steps: 0 }, { steps: 2.5 }, { betaStart: 0 }, { betaStart: 0.1, betaEnd: 0.01 }, { betaEnd: 1 }]) {
      assert.throws(() => makeSchedule({ ...defaultScheduleConfig, ...bad }), InputError, JSON.stringify(bad));
    }
    assert.throws(() => makeSchedule({ ...defaultScheduleConfig, kind: 'cosine', cosineOffset: -1 }), InputError);
  });
});
