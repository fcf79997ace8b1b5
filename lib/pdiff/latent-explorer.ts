/**
 * The latent space of a trained p-diff pipeline made measurable: a PCA of the originals' latents
 * onto which generated latents, a straight path between two originals and the diffusion
 * trajectories of a few samples are projected, each decoded latent evaluated as a model.
 */
import { ddimTimesteps } from '../diffusion/samplers';
import { farthestPair, interpolateLinear, interpolationWeights } from '../eval/interpolate';
import { firstRows, rowOf } from '../params/rows';
import { fitPca, projectPca, type Pca, type Projection } from '../eval/pca';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import type { PopulationEvaluator } from '../eval/population-evaluator';
import type { PDiffPipeline } from './pipeline';

export interface LatentExplorerConfig {
  /** Latents sampled from the diffusion model and projected. */
  generated: number;
  /** Originals (snapshot indices) at the ends of the interpolation; 'farthest': the two farthest apart in latent space. */
  endpoints: [number, number] | 'farthest';
  /** Points on the interpolation path, both ends included. */
  interpolationPoints: number;
  /** Generated samples whose diffusion trajectories are drawn. */
  trajectories: number;
  /** Timesteps recorded along each trajectory (evenly spread over those the sampler visits). */
  trajectoryTimesteps: number;
  /** Seeds the sampling. */
  seed: number;
}

export const defaultLatentExplorerConfig: LatentExplorerConfig = {
  generated: 50,
  endpoints: 'farthest',
  interpolationPoints: 11,
  trajectories: 5,
  trajectoryTimesteps: 8,
  seed: 0,
};

/** Latents of a population, their 2-D projection and the test/val accuracy of their decoded models. */
export interface ProjectedPopulation {
  latents: VectorSet;
  points: Projection;
  test: number[];
  val: number[];
}

export interface TrajectoryFrame {
  /** The timestep of x_t, or null for the clean sample x_0 the sampler returns. */
  t: number | null;
  /** Projection of each traced sample at this point. */
  points: Projection;
}

export interface LatentExploration {
  pca: Pca;
  originals: ProjectedPopulation;
  generated: ProjectedPopulation;
  interpolation: ProjectedPopulation & { from: number; to: number; alphas: number[] };
  /** Frames in sampling order: from noise (largest t) to x_0. */
  trajectory: TrajectoryFrame[];
}

/** `count` timesteps spread evenly over the ones the pipeline's sampler visits, largest first. */
export function trajectoryTimesteps(pipeline: Pick<PDiffPipeline, 'config' | 'diffusion'>, count: number): number[] {
  const { sampler } = pipeline.config;
  const { schedule } = pipeline.diffusion;
  const visited = sampler.kind === 'ddim'
    ? ddimTimesteps(schedule.steps, sampler.steps)
    : Array.from({ length: schedule.steps }, (_, t) => t);
  if (!(Number.isInteger(count) && count >= 1)) throw new InputError(`trajectory timesteps must be a positive integer, got ${count}`);
  const m = Math.min(count, visited.length);
  const picks = Array.from({ length: m }, (_, i) => visited[Math.round(((visited.length - 1) * (m - 1 - i)) / Math.max(m - 1, 1))]);
  return [...new Set(picks)];
}

/** Explores a fitted pipeline's latent space; `evaluator` measures the decoded models (on the pipeline's collection). */
export function exploreLatents(
  pipeline: PDiffPipeline, evaluator: PopulationEvaluator, config: LatentExplorerConfig = defaultLatentExplorerConfig,
): LatentExploration {
  if (config.trajectories > config.generated) throw new InputError(`cannot trace ${config.trajectories} of ${config.generated} generated samples`);
  const { latents } = pipeline;
  const pca = fitPca(latents, 2);
  const population = (z: VectorSet): ProjectedPopulation => {
    const measured = evaluator.measure(pipeline.decode(z));
    return { latents: z, points: projectPca(pca, z), test: measured.population.test, val: measured.population.val };
  };
  const originals = population(latents);

  const record = trajectoryTimesteps(pipeline, config.trajectoryTimesteps);
  const sampled = pipeline.sampleLatents(config.generated, { seed: config.seed, record });
  const generated = population(sampled.samples);
  const trajectory: TrajectoryFrame[] = [
    ...sampled.trajectory.map((p) => ({ t: p.t, points: projectPca(pca, firstRows(p.x, config.trajectories)) })),
    { t: null, points: generated.points.slice(0, config.trajectories) },
  ];

  const [from, to] = config.endpoints === 'farthest' ? farthestPair(latents) : config.endpoints;
  const alphas = interpolationWeights(config.interpolationPoints);
  const path = interpolateLinear(rowOf(latents, from), rowOf(latents, to), alphas);
  return { pca, originals, generated, interpolation: { ...population(path), from, to, alphas }, trajectory };
}
