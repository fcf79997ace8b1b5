/**
 * A run's generated networks on disk, as a PyTorch zoo (writeTorchZoo's format: one tensor per
 * state-dict key stacked over the networks, PyTorch's layouts), each with the BN statistics it was
 * measured with. PyTorch loads row m as a state dict; tfjs reads it back with readTorchZoo and
 * loadTorchMember, and `models.toLayersModel` makes a tf.LayersModel of it.
 */
import type { TaskModel } from '../../models/task-model';
import { unflatten } from '../../params/flatten';
import { rowsOf } from '../../params/rows';
import type { ParamManifest } from '../../params/types';
import { writeTorchZoo } from '../../zoo/torch';
import { vectorsToMembers } from '../../zoo/torch-vectors';
import type { Networks } from './evaluate';

/** The generated networks inside a run's directory. */
export const GENERATED_TORCH_FILE = 'generated-torch.safetensors';

/** Writes `networks` (rows laid out by `layout`) for `model`'s architecture, atomically. */
export function writeGeneratedNetworks(
  file: string, model: TaskModel, layout: { manifest: ParamManifest; bufferManifest: ParamManifest | null },
  networks: Networks, metadata: Record<string, string>,
): void {
  const { bufferManifest } = layout;
  const buffers = networks.buffers && bufferManifest ? rowsOf(networks.buffers).map((row) => unflatten(row, bufferManifest)) : undefined;
  writeTorchZoo(file, model, vectorsToMembers(networks.params, layout.manifest, buffers), metadata);
}
