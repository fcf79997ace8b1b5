/** D2NWG's beta-VAE over weight rows, models, layers or chunks. */
export { defaultVaeConfig, checkVaeConfig, vaeActivations, type VaeConfig, type VaeActivation } from './config';
export { WeightVae, klDivergence, type VaeMoments, type VaeLoss } from './model';
export {
  VaeInput, defaultVaeInputConfig, type VaeInputConfig, type VaeInputMode, type VaeInputPlan, type VaePieceTag, type LinearLayout,
} from './input';
export {
  trainVae, defaultVaeTrainConfig, encodeRows, decodeRows, type VaeTrainConfig, type VaeLossPoint, type VaeProgress, type VaeTrainResult,
} from './train';
export { saveVae, loadVae } from './io';
export { defaultVaeBehaviourConfig, rowBehaviourTerm, vaeBehaviourWeight, type VaeBehaviourConfig, type RowBehaviourTarget } from './behaviour';
