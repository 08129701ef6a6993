/**
 * A file of an acquisition that is present but cannot be read: truncated, malformed, or not in the
 * format its name promises. The message names the file and the line or key, so a user sees where.
 * A file that is absent is never an error: the fields it would fill are reported as missing.
 */
export class CollectorError extends Error {
  override readonly name = 'CollectorError';
  /** The file (path as the user gave it, or `archive.zip!inner/path`). */
  readonly file: string;
  /** `line N`, `key K` or `entry N`, when known. */
  readonly location: string | undefined;

  constructor(file: string, location: string | undefined, message: string) {
    super(`${file}${location === undefined ? '' : `: ${location}`}: ${message}`);
    this.file = file;
    this.location = location;
  }
}

/** `line N` for a 0-based index. */
export const lineOf = (index: number): string => `line ${index + 1}`;
