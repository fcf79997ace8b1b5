/** Headless Chromium for static figures and page checks: where it is and the flags it needs. */
import * as fs from 'node:fs';

/** The flags headless Chromium needs as root in a container, without any background traffic. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
];

/** The browser to drive: `CHROMIUM`, else Debian's `/usr/bin/chromium`; undefined when neither exists. */
export function chromiumPath(): string | undefined {
  const candidate = process.env.CHROMIUM ?? '/usr/bin/chromium';
  return fs.existsSync(candidate) ? candidate : undefined;
}
