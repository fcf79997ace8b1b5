/**
 * Every seed of a D2NWG run, named once: each purpose draws from config.seed plus its own offset.
 * The offsets are the ones the reported numbers were measured with; changing one changes them.
 * (A file of its own, not config.ts, because heads.ts uses it and config.ts imports heads.ts.)
 */

/** Offsets of config.seed, one per purpose. */
export const D2NWG_SEED_OFFSETS = {
  /** The task plan (TaskPlanConfig.seed): unseen classes, held-out combinations, training draws. */
  plan: 0,
  /** The data (TaskDataConfig.seed): the embedded-MNIST split and which images each per-class cap keeps. */
  data: 0,
  /** The task zoo's heads (TaskZooConfig.seed): training task i of the plan trains its heads with zoo + i. */
  zoo: 0,
  /** The frozen feature extractor's init and shuffles (TaskZooConfig.extractor.seed). */
  extractor: 0,
  /** The VAE over head rows: its init and its training (noise, minibatches). */
  vae: 1,
  /** The VAE's behavioural query set (vaeTrain.behaviour): which training tasks' training images. */
  vaeQueries: 6,
  /** The few-shot conditions of the zoo heads, drawn from each training task's training split. */
  conditions: 2,
  /** The dataset encoder: its init and the contrastive alignment's batches. */
  encoder: 3,
  /** The conditional denoiser: its init and its training (timesteps, noise, minibatches, condition drops). */
  conditional: 4,
  /** The unconditional denoiser (the baseline), likewise. */
  unconditional: 5,
  /**
   * The held-out protocol: one stream per held-out task, from which each purpose draws its seed in
   * turn (see evaluate.ts).
   */
  evaluation: 1000,
  /** Retrieval's index: one condition per training task. */
  retrieval: 2000,
  /** The choices made on training tasks (guidance scale, shot-head steps): which tasks, their conditions, the samples. */
  selection: 3000,
} as const;

export type D2nwgSeedPurpose = keyof typeof D2NWG_SEED_OFFSETS;
export type D2nwgSeeds = Record<D2nwgSeedPurpose, number>;

/** The seed of every purpose of a run with master seed `seed`. */
export function d2nwgSeeds(seed: number): D2nwgSeeds {
  return Object.fromEntries(Object.entries(D2NWG_SEED_OFFSETS).map(([purpose, offset]) => [purpose, seed + offset])) as D2nwgSeeds;
}

/** Offsets of the seed of one head-training run (trainHeads draws one per run). */
export const HEAD_RUN_SEED_OFFSETS = {
  /** The head's initialisation (initHead). */
  init: 0,
  /** Its minibatch shuffles: offset so they do not replay the init's draws. */
  shuffle: 1,
} as const;
