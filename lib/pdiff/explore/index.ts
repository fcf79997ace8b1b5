/**
 * The p-diff latent space as a self-contained page: `buildExplorePage(runDir)` rebuilds the run's
 * trained parts from its directory and writes them, with the map and a probe set, into one HTML file.
 */
import { writeFileAtomic } from '../../util/atomic-write';
import { extractExploreData, type ExtractOptions } from './extract';
import { explorePage } from './page';

export { extractExploreData, firstImages } from './extract';
export type { ExtractOptions } from './extract';
export { readFinishedRun } from './run-check';
export { explorePage, pageScript } from './page';
export { Explorer, denoiseTimesteps } from './explorer';
export { lift, project, residuals } from './lift';
export type { ExploreData, MapPopulation, Floats } from './data';

/** Writes the explorer page of the run in `runDir` to `outFile`; returns its size in bytes. */
export function buildExplorePage(runDir: string, outFile: string, options: ExtractOptions = {}): number {
  const html = explorePage(extractExploreData(runDir, options));
  writeFileAtomic(outFile, html);
  return Buffer.byteLength(html);
}
