/**
 * Configuration of the D2NWG dataset encoders (Set Transformer or MLP) and of their
 * contrastive alignment to the frozen VAE latents, with the defaults of the design doc.
 */
import { defaultAdamWConfig, type OptimizerConfig } from '../optim/optimizer';
import { InputError } from '../util/errors';

/** One Set Transformer (Lee et al. 2019) as used at each level of the dataset encoder. */
export interface SetTransformerOptions {
  /** Attention heads; must divide the hidden size. */
  heads: number;
  /** Learned inducing points m of every ISAB. */
  inducingPoints: number;
  /** ISAB blocks before the pooling (the authors' SetTransformer stacks 2). */
  isabBlocks: number;
  /** LayerNorm after both residuals of every MAB ('on' as in the paper's formulas; the authors' code defaults to off). */
  layerNorm: 'on' | 'off';
}

/** A Set Transformer [B, N, F] → [B, k, H]: ISAB blocks, PMA with k seeds, SAB blocks over the k outputs. */
export interface SetTransformerConfig extends SetTransformerOptions {
  /** Hidden size H of every block and of the output. */
  hidden: number;
  /** Seeds k of the PMA: outputs per set. */
  seeds: number;
  /** SAB blocks after the PMA, modelling interactions among the k outputs (needs k > 1, see checkSetTransformerConfig). */
  sabBlocks: number;
}

export interface MlpEncoderOptions {
  /** Linear layers of each of the three MLPs (per shot, per class, per dataset), ReLU between them. */
  layers: number;
}

export interface DatasetEncoderConfig {
  /** Which encoder embeds a condition [T, C, S, F]. */
  encoder: 'set-transformer' | 'mlp';
  /** Size H of the class and dataset embeddings (the denoiser's condition is 2H). */
  embedSize: number;
  /** Used when encoder is 'set-transformer', for both levels (over shots, then over classes). */
  setTransformer: SetTransformerOptions;
  /** Used when encoder is 'mlp'. */
  mlp: MlpEncoderOptions;
}

/**
 * The design doc's encoder: ISABs with 32 inducing points, 2 heads, hidden 128 (two ISABs, as the
 * authors' SetTransformer), then PMA with one seed. The doc's SAB after the PMA is left out: over
 * the single pooled output its attention weight is always 1, so its key projection would never
 * learn (see checkSetTransformerConfig).
 */
export const defaultDatasetEncoderConfig: DatasetEncoderConfig = {
  encoder: 'set-transformer',
  embedSize: 128,
  setTransformer: { heads: 2, inducingPoints: 32, isabBlocks: 2, layerNorm: 'on' },
  mlp: { layers: 2 },
};

export interface AlignConfig {
  /** Optimizer steps, each over one minibatch of tasks (all C class rows of each). */
  steps: number;
  /** Tasks per minibatch: the contrastive batch holds batchTasks·C rows. */
  batchTasks: number;
  /** Trains the encoder and both projection heads. */
  optimizer: OptimizerConfig;
  /** Output size of the two linear projection heads (condition 2H → P, latent Dz → P). */
  projection: number;
  /** τ of the CLIP loss (logits = cos / τ); CLIP's initial value 0.07. */
  temperature: number;
  /** 'learned': log(1/τ) is a trained parameter starting at `temperature`, 1/τ clipped at 100 (CLIP); 'fixed': τ stays. */
  temperatureMode: 'learned' | 'fixed';
  /**
   * 'diagonal': CLIP's loss, pair i's target is i (./contrastive.ts); 'soft': the official D2NWG
   * code's raw dot products with soft targets (./soft-clip.ts; that code uses τ = 1, fixed).
   */
  targets: 'diagonal' | 'soft';
  /** Seeds the projection heads' init and the minibatch order (the encoder's init has its own seed). */
  seed: number;
  /** Read the loss back, check it is finite and report it every this many steps, at step 1 and at the last. */
  logEvery: number;
}

export const defaultAlignConfig: AlignConfig = {
  steps: 500,
  batchTasks: 16,
  optimizer: defaultAdamWConfig,
  projection: 64,
  temperature: 0.07,
  temperatureMode: 'learned',
  targets: 'diagonal',
  seed: 0,
  logEvery: 50,
};

const positiveInt = (v: number) => Number.isInteger(v) && v > 0;

function requirePositiveInt(what: string, value: number): void {
  if (!positiveInt(value)) throw new InputError(`${what} must be a positive integer, got ${value}`);
}

/** Throws an InputError naming the first field that cannot describe a working Set Transformer. */
export function checkSetTransformerConfig(config: SetTransformerConfig): void {
  for (const key of ['hidden', 'heads', 'inducingPoints', 'seeds'] as const) requirePositiveInt(`set transformer ${key}`, config[key]);
  for (const key of ['isabBlocks', 'sabBlocks'] as const) {
    if (!(Number.isInteger(config[key]) && config[key] >= 0)) throw new InputError(`set transformer ${key} must be a non-negative integer, got ${config[key]}`);
  }
  if (config.hidden % config.heads !== 0) throw new InputError(`set transformer heads (${config.heads}) must divide hidden (${config.hidden})`);
  if (config.layerNorm !== 'on' && config.layerNorm !== 'off') throw new InputError(`set transformer layerNorm must be 'on' or 'off', got ${String(config.layerNorm)}`);
  if (config.sabBlocks > 0 && config.seeds === 1) {
    throw new InputError('a SAB after a PMA with one seed attends over a single element: its attention weight is always 1 ' +
      'and its key projection never learns; use seeds > 1 or sabBlocks 0');
  }
}

/** Throws an InputError naming the first field that cannot describe a working dataset encoder. */
export function checkDatasetEncoderConfig(config: DatasetEncoderConfig): void {
  requirePositiveInt('encoder embedSize', config.embedSize);
  if (config.encoder === 'set-transformer') {
    checkSetTransformerConfig({ ...config.setTransformer, hidden: config.embedSize, seeds: 1, sabBlocks: 0 });
  } else if (config.encoder === 'mlp') {
    requirePositiveInt('mlp encoder layers', config.mlp.layers);
  } else {
    throw new InputError(`encoder must be 'set-transformer' or 'mlp', got ${String(config.encoder)}`);
  }
}

/** Throws an InputError naming the first field that cannot describe an alignment run. */
export function checkAlignConfig(config: AlignConfig): void {
  for (const key of ['steps', 'batchTasks', 'projection', 'logEvery'] as const) requirePositiveInt(`align ${key}`, config[key]);
  if (!(config.temperature > 0 && Number.isFinite(config.temperature))) throw new InputError(`align temperature must be positive, got ${config.temperature}`);
  if (config.targets !== 'diagonal' && config.targets !== 'soft') throw new InputError(`align targets must be 'diagonal' or 'soft', got ${String(config.targets)}`);
  if (config.temperatureMode !== 'learned' && config.temperatureMode !== 'fixed') {
    throw new InputError(`align temperatureMode must be 'learned' or 'fixed', got ${String(config.temperatureMode)}`);
  }
  if (!Number.isInteger(config.seed)) throw new InputError(`align seed must be an integer, got ${config.seed}`);
}
