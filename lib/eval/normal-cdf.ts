/**
 * The error function and the standard normal CDF in double precision: erf and erfc within ~1e-14
 * relative (checked against mpmath on [−8, 8]), Φ within ~2e-13 down to Φ(−37) ≈ 6e-300,
 * where `1 − erf` would have rounded to 0.
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
/** erf: the series below this |x|, the continued fraction above (both converge fast there). */
const ERF_SWITCH = 2.5;
/** erfc(x), x > 0: the continued fraction from here on (189 terms at x = 1), as 1 − erf loses digits. */
const ERFC_SWITCH = 1;

/**
 * erf(x) = 2/√π · e^{−x²} · Σ_{n≥0} 2ⁿ x^{2n+1} / (1·3·5···(2n+1)) (Abramowitz & Stegun 7.1.6):
 * all terms positive, so no cancellation, unlike the alternating Taylor series.
 */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/**
 * erfc(x) for x > 0 from the continued fraction (A&S 7.1.14)
 * erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), terms a_k = k/2,
 * evaluated forward by the modified Lentz method (Numerical Recipes §5.2).
 */
function erfcFraction(x: number): number {
  if (x > 27) return 0; // e^{−x²} underflows double
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (Math.abs(x) < ERF_SWITCH) return erfSeries(x);
  return Math.sign(x) * (1 - erfcFraction(Math.abs(x)));
}

/** erfc(x) = 1 − erf(x), without the cancellation for large x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= ERFC_SWITCH) return erfcFraction(x);
  if (x <= -ERF_SWITCH) return 2 - erfcFraction(-x);
  return 1 - erfSeries(x);
}

/** Standard normal CDF Φ(z) = ½·erfc(−z/√2); Φ(−1.96) = 0.0249979. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}
