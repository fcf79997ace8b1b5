/**
 * From a point of the 2-D PCA map back to a latent. The map fixes the latent's part in the PCA
 * plane: mean + x·PC1 + y·PC2. The rest (the residual, orthogonal to the plane) is interpolated
 * between the originals' residuals by inverse squared map distance (Shepard's method), so the
 * lift is continuous, an original's own point lifts to exactly its latent, and every lifted latent
 * projects back to the point it came from.
 */

/** The map: PCA mean and two unit axes (float64, as lib/eval/pca fits them). */
export interface MapPlane {
  mean: ArrayLike<number>;
  components: ArrayLike<number>[];
}

/** The originals the residual is interpolated between: latents [K, D] and their map points. */
export interface Anchors {
  latents: Float32Array;
  points: [number, number][];
}

export function project(plane: MapPlane, z: ArrayLike<number>): [number, number] {
  const [a, b] = plane.components;
  let x = 0;
  let y = 0;
  for (let d = 0; d < plane.mean.length; d++) {
    const c = z[d] - plane.mean[d];
    x += c * a[d];
    y += c * b[d];
  }
  return [x, y];
}

/** Each original's residual z_k − mean − x_k·PC1 − y_k·PC2, [K][D] in float64. */
export function residuals(plane: MapPlane, anchors: Anchors): Float64Array[] {
  const dim = plane.mean.length;
  const [a, b] = plane.components;
  return anchors.points.map(([x, y], k) => Float64Array.from({ length: dim }, (_, d) =>
    anchors.latents[k * dim + d] - plane.mean[d] - x * a[d] - y * b[d]));
}

/** The latent of map point (x, y); `residual` from `residuals(plane, anchors)`. */
export function lift(plane: MapPlane, anchors: Anchors, residual: Float64Array[], x: number, y: number): Float32Array {
  const dim = plane.mean.length;
  const exact = anchors.points.findIndex(([px, py]) => px === x && py === y);
  if (exact >= 0) return anchors.latents.slice(exact * dim, (exact + 1) * dim);
  const [a, b] = plane.components;
  const out = Float64Array.from({ length: dim }, (_, d) => plane.mean[d] + x * a[d] + y * b[d]);
  const weights = anchors.points.map(([px, py]) => 1 / ((px - x) ** 2 + (py - y) ** 2));
  const total = weights.reduce((s, w) => s + w, 0);
  residual.forEach((r, k) => {
    const w = weights[k] / total;
    for (let d = 0; d < dim; d++) out[d] += w * r[d];
  });
  return Float32Array.from(out);
}
