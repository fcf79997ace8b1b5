/** D2NWG's dataset encoders (Set Transformer or MLP) and their CLIP-style alignment to frozen VAE latents. */
export {
  defaultDatasetEncoderConfig, defaultAlignConfig, checkDatasetEncoderConfig, checkSetTransformerConfig, checkAlignConfig,
} from './config';
export type { DatasetEncoderConfig, SetTransformerConfig, SetTransformerOptions, MlpEncoderOptions, AlignConfig } from './config';
export type { Condition, DatasetEmbedding, DatasetEncoder } from './types';
export { checkCondition, checkConditionTensor, conditionTensor, permuteCondition, sampleCondition, stackConditions } from './condition';
export { buildMab, mab, multiheadAttention } from './attention';
export type { MabShape } from './attention';
export { SetTransformer } from './set-transformer';
export { SetTransformerEncoder } from './set-transformer-encoder';
export { MlpDatasetEncoder } from './mlp-encoder';
export { makeDatasetEncoder, conditionVector } from './encoder';
export { AlignmentHeads, clipLoss, cosineSimilarity, diagonalAccuracy, MAX_LOGIT_SCALE } from './contrastive';
export { alignEncoder } from './align';
export type { AlignmentPairs, AlignProgress, AlignAccuracy, AlignResult } from './align';
