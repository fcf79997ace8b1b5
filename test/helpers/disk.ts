/** A simulated full disk: writes to chosen files fail with ENOSPC while `full` is true. */
import { diskIo } from '../../lib/util/atomic-write';

export interface FullDisk {
  /** Writes fail while this is true; tests flip it at a chosen point of a run. */
  full: boolean;
  /** Puts the real writes back. */
  restore(): void;
}

/** Fails every write (once `full`) into a file whose path contains `name`. */
export function simulateFullDisk(name: string): FullDisk {
  const real = diskIo.write;
  const disk: FullDisk = {
    full: false,
    restore: () => { diskIo.write = real; },
  };
  diskIo.write = (fd, bytes, target) => {
    if (disk.full && target.includes(name)) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    real(fd, bytes, target);
  };
  return disk;
}
