/** The p-diff parameter autoencoder (config and geometry, model, training, set-level passes) and the D2NWG weight beta-VAE. */
export {
  autoencoderPresets,
  defaultAutoencoderConfig,
  autoencoderGeometry,
  checkAutoencoderConfig,
  paddedLength,
  type AutoencoderConfig,
  type AutoencoderGeometry,
  type AutoencoderPreset,
} from './config';
export { ParamAutoencoder, mixNoise, type NoiseSeeds } from './model';
export {
  trainAutoencoder,
  defaultAutoencoderTrainConfig,
  encodeSet,
  decodeSet,
  reconstruct,
  type AutoencoderTrainConfig,
  type AutoencoderProgress,
  type AutoencoderTrainResult,
} from './train';
export { defaultVaeConfig, checkVaeConfig, vaeActivations, type VaeConfig, type VaeActivation } from './vae-config';
export { WeightVae, klDivergence, type VaeMoments, type VaeLoss } from './vae';
export {
  VaeInput, defaultVaeInputConfig, type VaeInputConfig, type VaeInputMode, type VaeInputPlan, type VaePieceTag, type LinearLayout,
} from './vae-input';
export {
  trainVae, defaultVaeTrainConfig, encodeRows, decodeRows, type VaeTrainConfig, type VaeLossPoint, type VaeProgress, type VaeTrainResult,
} from './vae-train';
export { saveVae, loadVae } from './vae-io';
