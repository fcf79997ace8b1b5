/** A p-diff run directory: the files a run keeps there (BEND's generator keeps the same) and its claim. */
import { claimRunDir } from '../util/run-dir';
import { ZOO_DIR } from '../zoo/collect';
import { BASE_MODEL_FILE, BASE_TRAIN_STATE_FILE } from '../zoo/base-model';
import { presets, type PdiffConfig } from './config';

export const AUTOENCODER_STATE_FILE = 'autoencoder-state.safetensors';
export const DIFFUSION_STATE_FILE = 'diffusion-state.safetensors';

/** Everything a p-diff run writes besides run.json, results and report; `--restart` deletes these. */
export const PDIFF_OUTPUTS: readonly string[] = [BASE_MODEL_FILE, BASE_TRAIN_STATE_FILE, AUTOENCODER_STATE_FILE, DIFFUSION_STATE_FILE, ZOO_DIR];

/**
 * Pins `outDir` to `config` (run.json); a directory of another config is refused, naming the
 * differing fields. A directory pinned by older code, whose config lacks fields added since, is
 * read with those fields filled from the current preset of the same name.
 */
export function claimDir(outDir: string, config: PdiffConfig): void {
  const preset = presets[config.preset];
  const defaults = preset ? { ...preset, seed: config.seed } : undefined;
  claimRunDir(outDir, config as unknown as Record<string, unknown>, { defaults: defaults as unknown as Record<string, unknown> | undefined });
}
