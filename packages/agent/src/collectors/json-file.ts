import { CollectorError } from './collector-error.ts';

/**
 * `JSON.parse` that names the file and the line of a syntax error (a truncated file fails at its
 * last line: "ends before the JSON does").
 */
export function parseJsonFile(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message)?.[1];
    const line =
      position === undefined ? text.split('\n').length : text.slice(0, Number(position)).split('\n').length;
    const truncated = /end of (JSON )?input|Unterminated/i.test(message);
    throw new CollectorError(
      file,
      `line ${line}`,
      truncated ? 'the file ends before the JSON does: truncated?' : `invalid JSON (${message})`,
    );
  }
}
