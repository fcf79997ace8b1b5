/** A D2NWG run directory: the files a run keeps there and its claim (run.json). */
import { claimRunDir } from '../util/run-dir';
import { preset, presets, type D2nwgConfig } from './config';

/** What a D2NWG run keeps in its directory besides run.json, results.json and report.html, by stage; `--restart` deletes these. */
export const D2NWG_OUTPUTS = {
  /** The task zoo: a directory of its own (extractor, feature cache, heads). */
  taskZoo: 'task-zoo',
  /** The trained VAE over head rows. */
  vae: 'vae.safetensors',
  /** The VAE's training state (resumes training, keeps the loss curve). */
  vaeState: 'vae-state.safetensors',
  /** The aligned, then frozen, dataset encoder with its alignment report. */
  encoder: 'encoder.safetensors',
  /** The conditional denoiser's training state, EMA included. */
  conditionalState: 'diffusion-conditional-state.safetensors',
  /** The unconditional denoiser's training state, EMA included. */
  unconditionalState: 'diffusion-unconditional-state.safetensors',
  /** The held-out protocol's finished parts: the run's choices and each task's result (protocol-store.ts). */
  protocol: 'protocol',
} as const;

/**
 * Pins `outDir` to `config` (run.json): every stage reloads what the directory holds, so a
 * directory of another config is refused, naming the differing fields. A directory pinned by older
 * code, whose config lacks fields added since, is read with those fields filled from the current
 * preset of the same name.
 */
export function claimDir(outDir: string, config: D2nwgConfig): void {
  const defaults = Object.hasOwn(presets, config.preset) ? preset(config.preset, config.seed) : undefined;
  claimRunDir(outDir, config as unknown as Record<string, unknown>, { defaults: defaults as unknown as Record<string, unknown> | undefined });
}
