/**
 * Levers toward D2NWG's target (issue 20: generated heads at ≥ 90 % of the trained head and above
 * the prototype head). Each lever is one switch on a base preset, run as a preset of its own named
 * `<base>-<lever>` (`quick-prototypes`), so its effect is measured against the base with everything
 * else equal: the same seeds, the same held-out tasks, the same budgets.
 */
import { defaultVaeBehaviourConfig } from '../vae/behaviour';
import type { D2nwgConfig } from './config';

/** A lever: one line on what it changes and why, and the change itself (on a copy of the base). */
export interface D2nwgLever {
  summary: string;
  apply(config: D2nwgConfig): void;
}

/** How many conditions each zoo head trains under with `several-conditions`. */
export const SEVERAL_CONDITIONS = 4;

export const D2NWG_LEVERS = {
  /**
   * Row k is conditioned on the standardised mean of class k's shots instead of its encoder
   * embedding: the prototype head beats the generated one, so the class means carry what a head
   * needs, and this asks whether the embedding loses it.
   */
  prototypes: {
    summary: 'condition rows on class prototypes (the shots\' class means) instead of class embeddings',
    apply: (config) => { config.conditionOn = 'prototypes'; },
  },
  /**
   * VAE latent 64 instead of 16 (quick, standard) or 8 (smoke): a head row is 65 numbers, so the
   * VAE barely compresses, and its reconstruction error (row relative MSE 0.036–0.040 at latent 16
   * in the quick runs) stops bounding the generated heads. The denoiser's convolutions are stride 1:
   * any latent size fits.
   */
  'latent-64': {
    summary: 'VAE latent 64 (rows of 65 numbers nearly uncompressed) instead of the base\'s',
    apply: (config) => { config.vae.latentDim = 64; },
  },
  /**
   * Twice the training tasks per source and variant (twice the zoo's tasks and heads to learn the
   * condition → head map from), as extra tasks (TaskPlanConfig.extraTrainTasksPerVariant): the
   * held-out tasks, the base's training tasks and their heads stay the base's.
   */
  'more-tasks': {
    summary: 'twice the training tasks in the task zoo (the same held-out tasks)',
    apply: (config) => { config.zoo.plan.extraTrainTasksPerVariant = config.zoo.plan.trainTasksPerVariant; },
  },
  /**
   * Each zoo head paired with SEVERAL_CONDITIONS independent draws of its task's shots in the
   * conditional diffusion's training, instead of one: at test time the condition is a fresh draw,
   * so the denoiser should learn the task, not one draw of it.
   */
  'several-conditions': {
    summary: `each zoo head trains the diffusion under ${SEVERAL_CONDITIONS} independent draws of its task's shots instead of one`,
    apply: (config) => { config.conditionsPerHead = SEVERAL_CONDITIONS; },
  },
  /**
   * The official code's objectives: its VAE loss (per-row L1 over a learned log-variance + β·KL +
   * 1000·MSE) and its alignment (raw dot products, soft targets, τ = 1 fixed). Its diffusion
   * schedule (diffusion/scaled-linear.ts) stays DDPM's: this lever is about the two objectives.
   */
  official: {
    summary: 'the official code\'s VAE loss and alignment (soft targets, τ = 1 fixed)',
    apply: (config) => {
      config.vaeLoss = 'official';
      config.align = { ...config.align, targets: 'soft', temperature: 1, temperatureMode: 'fixed' };
    },
  },
  /**
   * The VAE's loss gains a behavioural term (vae/behaviour.ts, weight 1): each decoded row, used as
   * its class's logit function on 256 feature vectors of training tasks' training images, should
   * give the original row's logits. The parameter MSE weighs every number of a row alike, but a
   * head's accuracy depends on its logits on real features, which move far more along some
   * directions of the row (those the features vary along) than others; the VAE's error bounds the
   * generated heads (they are rows it decodes), so this asks whether putting that error where it
   * moves the logits least helps.
   */
  behaviour: {
    summary: 'the VAE also keeps each row\'s logits on 256 training-task feature vectors (a behavioural loss, weight 1)',
    apply: (config) => { config.vaeTrain.behaviour = { ...defaultVaeBehaviourConfig }; },
  },
} as const satisfies Record<string, D2nwgLever>;

export type D2nwgLeverName = keyof typeof D2NWG_LEVERS;
export const D2NWG_LEVER_NAMES = Object.keys(D2NWG_LEVERS) as D2nwgLeverName[];
export const isLeverName = (name: string): name is D2nwgLeverName => Object.hasOwn(D2NWG_LEVERS, name);

/** The preset `<base name>-<lever>`: a copy of `base` with the lever's switch. */
export function leverPreset(base: D2nwgConfig, lever: D2nwgLeverName): D2nwgConfig {
  const config = structuredClone(base);
  config.preset = `${base.preset}-${lever}`;
  D2NWG_LEVERS[lever].apply(config);
  return config;
}
