/**
 * Thrown by intel parsers on unknown or broken input. The message always names the file and, when
 * known, the line (1-based) or the object (e.g. `objects[12] indicator--…`).
 */
export class IntelParseError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly object: string | undefined;

  constructor(file: string, message: string, where: { line?: number; object?: string } = {}) {
    const at =
      where.line !== undefined ? `:${where.line}` : where.object !== undefined ? ` (${where.object})` : '';
    super(`${file}${at}: ${message}`);
    this.name = 'IntelParseError';
    this.file = file;
    this.line = where.line;
    this.object = where.object;
  }
}

/** 1-based line number of a character offset. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** `JSON.parse` that throws an `IntelParseError` naming the file and line on broken JSON. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const line = position?.[1] === undefined ? undefined : lineOfOffset(text, Number(position[1]));
    throw new IntelParseError(file, `invalid JSON: ${message}`, line === undefined ? {} : { line });
  }
}

/** Narrowing helper: a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string property, or `undefined`. */
export function str(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

/** A string-array property (non-strings dropped), or `[]`. */
export function strArray(record: Record<string, unknown>, key: string): string[] {
  const value = record[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
