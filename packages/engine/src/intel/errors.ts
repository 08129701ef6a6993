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

/** The line a V8 JSON error points at: from `at position N`, its quoted context, or end of input. */
function errorLine(text: string, message: string): number | undefined {
  const position = /position (\d+)/.exec(message);
  if (position?.[1] !== undefined) return lineOfOffset(text, Number(position[1]));
  if (/end of JSON input/.test(message)) return lineOfOffset(text, text.length);
  const context = /"(?:\.\.\.)?([\s\S]*?)(?:\.\.\.)?" is not valid JSON/.exec(message)?.[1];
  const token = /Unexpected token '(.)'/.exec(message)?.[1];
  if (context === undefined || context === '') return undefined;
  const at = text.indexOf(context);
  if (at === -1) return undefined;
  return lineOfOffset(text, at + Math.max(0, token === undefined ? 0 : context.indexOf(token)));
}

/** `JSON.parse` that throws an `IntelParseError` naming the file and line on broken JSON. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const line = errorLine(text, message);
    throw new IntelParseError(
      file,
      `invalid JSON: ${message.split('\n')[0] ?? ''}`,
      line === undefined ? {} : { line },
    );
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
