import { InputError } from './errors';

/** Throws an InputError naming `what`, the row and the value if a [count, dim] array holds NaN or ±Infinity. */
export function assertFinite(data: Float32Array, dim: number, what: string): void {
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InputError(`${what}: row ${Math.floor(bad / dim)}, position ${bad % dim} holds ${data[bad]}`);
}
