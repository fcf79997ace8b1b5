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
