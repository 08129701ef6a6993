/**
 * Raised by every adb output parser when the text is truncated or not in the expected format.
 * The message names the command and what was wrong, so a user scanning a phone sees why.
 */
export class AdbParseError extends Error {
  override readonly name = 'AdbParseError';
  /** The adb command whose output failed to parse, e.g. `getprop`. */
  readonly command: string;

  constructor(command: string, message: string) {
    super(`cannot parse \`${command}\` output: ${message}`);
    this.command = command;
  }
}

/** Fails with an `AdbParseError` when the output is empty or only whitespace. */
export function requireOutput(command: string, text: string): string {
  if (text.trim() === '') throw new AdbParseError(command, 'the output is empty');
  return text;
}
