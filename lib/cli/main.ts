/** What every experiment CLI does around its run: the error line with a hint, and the result files. */
import * as path from 'node:path';
import { findProjectRoot } from '../data/locate';
import { provenance, PROVENANCE_FILE } from '../reproduce/provenance';
import { writeFileAtomic } from '../util/atomic-write';
import { ConfigMismatchError, WriteError } from '../util/errors';
import { REPORT_FILE, RESULTS_FILE } from '../util/run-dir';

/** What the user can do next, for the errors a long run can end with. */
function hint(err: Error): string {
  if (err instanceof ConfigMismatchError) return '\nre-run with --restart to delete the saved state and start over';
  if (err instanceof WriteError) return '\nfree some space (or fix the permissions), then re-run the same command: it continues from the last saved state';
  return '';
}

/** Runs a CLI's body; an error ends the process with its message, a hint and exit code 1. */
export function runMain(body: () => Promise<void>): void {
  body().catch((err: Error) => {
    console.error(`error: ${err.message}${hint(err)}`);
    process.exitCode = 1;
  });
}

/** results.json, its provenance (commit, backend, machine) and report.html into the run directory, each written atomically. */
export function writeRunFiles(outDir: string, results: unknown, reportHtml: string): void {
  writeFileAtomic(path.join(outDir, PROVENANCE_FILE), `${JSON.stringify(provenance(findProjectRoot()), null, 1)}\n`);
  writeFileAtomic(path.join(outDir, RESULTS_FILE), `${JSON.stringify(results, null, 1)}\n`);
  writeFileAtomic(path.join(outDir, REPORT_FILE), reportHtml);
  console.log(`\nwrote ${path.join(outDir, RESULTS_FILE)} and ${REPORT_FILE}`);
}
