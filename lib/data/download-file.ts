import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError } from '../util/errors';
import { Checksum, verifyFile } from './checksum';

/** An HTTP failure or a connection lost mid-way; a `.part` file may be left to resume from. */
export class DownloadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DownloadError';
  }
}

export interface DownloadProgress {
  file: string;
  /** Bytes of the file present so far, including any resumed part. */
  received: number;
  /** Full size when the server says it. */
  total?: number;
}

export interface DownloadOptions {
  /** HTTP client; default the global fetch. */
  fetchImpl?: typeof fetch;
  /** Called after every chunk written. */
  onProgress?: (progress: DownloadProgress) => void;
}

/** How the body of one request landed in the `.part` file. */
type FetchOutcome = 'written' | 'range-not-satisfiable';

/**
 * Downloads `url` to `dest` and checks its digest. Bytes go to `dest.part` first; an interrupted
 * download leaves that file and the next call continues it with an HTTP Range request. Only a
 * verified file is renamed to `dest`, so `dest` is never partial or corrupt. Does nothing when
 * `dest` already has the right digest.
 */
export async function downloadFile(url: string, dest: string, checksum: Checksum, options: DownloadOptions = {}): Promise<void> {
  if (fs.existsSync(dest) && (await hasChecksum(dest, checksum))) return;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  for (;;) {
    const outcome = await fetchIntoPart(url, dest, options);
    try {
      await verifyFile(part, checksum);
      break;
    } catch (err) {
      fs.rmSync(part, { force: true }); // complete but wrong: resuming it cannot help
      // 416 means the stale part was at least full length; one fresh request (no Range) follows.
      if (outcome === 'range-not-satisfiable' && err instanceof FileFormatError) continue;
      if (err instanceof FileFormatError) throw new FileFormatError(dest, `download from ${url} failed verification: ${err.problem}`);
      throw err;
    }
  }
  fs.renameSync(part, dest);
}

async function hasChecksum(file: string, checksum: Checksum): Promise<boolean> {
  try {
    await verifyFile(file, checksum);
    return true;
  } catch (err) {
    if (err instanceof FileFormatError) return false;
    throw err;
  }
}

/** One request: resumes the part from its size, or rewrites it when the server sends the whole file. */
async function fetchIntoPart(url: string, dest: string, options: DownloadOptions): Promise<FetchOutcome> {
  const part = `${dest}.part`;
  const offset = fs.existsSync(part) ? fs.statSync(part).size : 0;
  const fetchImpl = options.fetchImpl ?? fetch;
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {} });
  } catch (err) {
    throw new DownloadError(`${url}: request failed (${(err as Error).message})`, { cause: err });
  }
  if (response.status === 416 && offset > 0) {
    await response.body?.cancel();
    return 'range-not-satisfiable';
  }
  let start: number;
  let total: number | undefined;
  if (response.status === 206) {
    const range = parseContentRange(response.headers.get('content-range'));
    if (range?.start !== offset) {
      await response.body?.cancel();
      throw new DownloadError(`${url}: asked for bytes from ${offset}, server sent Content-Range ${response.headers.get('content-range')}`);
    }
    start = offset;
    total = range.total;
  } else if (response.status === 200) {
    start = 0; // the server ignored Range (or none was sent): the body is the whole file
    const length = response.headers.get('content-length');
    total = length === null ? undefined : Number(length);
  } else {
    await response.body?.cancel();
    throw new DownloadError(`${url}: HTTP ${response.status} ${response.statusText}`);
  }
  if (response.body === null) throw new DownloadError(`${url}: HTTP ${response.status} without a body`);
  await appendBody(response.body, part, start, { url, dest, total, onProgress: options.onProgress });
  return 'written';
}

async function appendBody(
  body: ReadableStream<Uint8Array>,
  part: string,
  start: number,
  info: { url: string; dest: string; total?: number; onProgress?: DownloadOptions['onProgress'] },
): Promise<void> {
  const handle = await fs.promises.open(part, start === 0 ? 'w' : 'a');
  let received = start;
  try {
    for await (const chunk of body) {
      await handle.write(chunk);
      received += chunk.length;
      info.onProgress?.({ file: info.dest, received, total: info.total });
    }
    await handle.sync();
  } catch (err) {
    const reason = (err as Error).message;
    throw new DownloadError(`${info.url}: transfer stopped at byte ${received} (${reason}); ${part} is kept, run again to resume`, { cause: err });
  } finally {
    await handle.close();
  }
}

function parseContentRange(header: string | null): { start: number; total?: number } | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header ?? '');
  if (match === null) return undefined;
  return { start: Number(match[1]), total: match[2] === '*' ? undefined : Number(match[2]) };
}
