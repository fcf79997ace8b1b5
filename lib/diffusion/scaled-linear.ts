/**
 * β linear in √β: β_t = (√start + t/(T − 1)·(√end − √start))². Latent diffusion's default
 * 'linear' schedule (make_beta_schedule), diffusers' 'scaled_linear'; the official D2NWG code keeps
 * it with T = 1024, start 0.0015, end 0.0155. (Latent diffusion's 'sqrt_linear' is plain linear β,
 * this library's 'linear'.)
 */
import { InputError } from '../util/errors';

/** The D2NWG code's schedule settings. */
export const D2NWG_SCHEDULE = { steps: 1024, betaStart: 0.0015, betaEnd: 0.0155 } as const;

export function scaledLinearBetas(steps: number, start: number, end: number): Float64Array {
  if (!(Number.isInteger(steps) && steps >= 1 && start > 0 && end >= start && end < 1)) {
    throw new InputError(`a scaled-linear schedule needs T ≥ 1 and 0 < start ≤ end < 1, got ${steps}, ${start}, ${end}`);
  }
  if (steps === 1) return Float64Array.of(start);
  const [a, b] = [Math.sqrt(start), Math.sqrt(end)];
  return Float64Array.from({ length: steps }, (_, t) => (a + (t * (b - a)) / (steps - 1)) ** 2);
}
