/**
 * Static images of plotly figures, so that a notebook or page shows its charts where no script
 * runs (an untrusted notebook in JupyterLab, a code host's viewer, HTML without JavaScript).
 * Headless Chromium (playwright-core driving `chromiumPath()`) draws them in a child process,
 * which lets the synchronous `showFigure` wait for the image.
 */
import { spawnSync } from 'node:child_process';
import { childScriptArgs } from '../util/child-script';
import type { Figure } from './figure';
import { chromiumPath } from './chromium';

/** The drawing size of a figure whose layout sets none (the width of a notebook's output area). */
export const FIGURE_SIZE = { width: 900, height: 450 };

export interface StaticRequest {
  figures: Figure[];
  executablePath: string;
}

function canDraw(): string | undefined {
  try {
    require.resolve('playwright-core');
  } catch {
    return undefined;
  }
  return chromiumPath();
}

/**
 * Each figure as an SVG document, in order; undefined when this machine has no Chromium or no
 * playwright-core. A browser that is present but fails is an error naming its message.
 */
export function figuresToSvg(figures: Figure[]): string[] | undefined {
  const executablePath = canDraw();
  if (!executablePath) return undefined;
  const args = childScriptArgs(__filename, 'static-figure-child');
  const request: StaticRequest = { figures, executablePath };
  const run = spawnSync(process.execPath, args, { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) {
    throw new Error(`drawing ${figures.length} static figure(s) with ${executablePath} failed: ${(run.stderr || run.error?.message || '').trim()}`);
  }
  return JSON.parse(run.stdout) as string[];
}
