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
  behaviourTerm,
  behaviourWeight,
  defaultBehaviourLossConfig,
  BEHAVIOUR_LOSSES,
  type BehaviourLossConfig,
  type BehaviourLossKind,
  type BehaviourTarget,
  type BehaviourTerm,
} from './behaviour';
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
