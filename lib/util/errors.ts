/** A file that cannot be read as what it claims to be (truncated, corrupt, wrong format). */
export class FileFormatError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'FileFormatError';
  }
}

/** Input whose shape, names or values do not fit what a function needs. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Saved state that belongs to a run with another config: `fields` are the dotted paths that differ. */
export class ConfigMismatchError extends InputError {
  constructor(
    readonly file: string,
    readonly fields: string[],
  ) {
    const shown = fields.length > 8 ? [...fields.slice(0, 8), `${fields.length - 8} more`] : fields;
    super(`${file} was saved by a run with another config (${shown.join(', ')} differ); ` +
      'delete the saved state or use another output directory to start over');
    this.name = 'ConfigMismatchError';
  }
}

/** NaN or ±Infinity in a training stage: which stage, at which step, in what, and where the last good state is. */
export class NumericalError extends Error {
  constructor(
    readonly stage: string,
    readonly step: number,
    readonly problem: string,
    readonly kept?: string,
  ) {
    super(`${stage} diverged: ${problem} at step ${step}${kept ? `; ${kept}` : ''}`);
    this.name = 'NumericalError';
  }
}

/** A file that could not be written (full disk, no permission); the previous version of it is unchanged. */
export class WriteError extends Error {
  constructor(
    readonly file: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`cannot write ${file}: ${reason}; the previous version of the file, if any, is unchanged`);
    this.name = 'WriteError';
  }
}
