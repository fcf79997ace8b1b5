export { saveZoo, loadZoo, MANIFEST_FILE, PARAMS_FILE, PARAMS_TENSOR, type Zoo, type LoadZooOptions } from './zoo';
export { ZOO_FORMAT_VERSION, type CheckpointInfo, type ZooInfo } from './zoo-manifest';
export {
  readSafetensors,
  writeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  type SafetensorsContents,
} from './safetensors';
export { collectCheckpoints, defaultCollectConfig, snapshotSteps, ZOO_DIR } from './collect';
export { resolveSubset, BASE_MODEL_FILE } from './base-model';
export type { CollectConfig, Collection } from './collect';
export { readTorchZoo, writeTorchZoo, loadTorchMember, TORCH_LAYOUT, type TorchZoo, type TorchMember } from './torch';
export { torchName, torchShape, fromTorchLayout, toTorchLayout } from './torch-names';
export { torchZooToVectors, vectorsToMembers, type TorchZooVectors } from './torch-vectors';
export { collectWholeSeeds, saveWholeSeeds, loadWholeSeeds, defaultWholeSeedsConfig, WHOLE_PARAMS_DIR, WHOLE_BUFFERS_DIR } from './whole-seeds';
export type { WholeSeedsConfig, WholeZoo, WholeMember } from './whole-seeds';
