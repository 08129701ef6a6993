import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { FastifySchemaCompiler } from 'fastify';

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
// TypeBox checks only formats it knows; schemas here use RFC 3339 `date-time`.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));
}

/** Deepest JSON nesting any request body may have; schemas bound it further. */
export const MAX_JSON_DEPTH = 32;

/** Nesting depth of a parsed JSON value (scalars are 0), stopping early past `limit`. */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH + 1): number {
  if (value === null || typeof value !== 'object') return 0;
  if (limit <= 0) return 1;
  let deepest = 0;
  for (const child of Object.values(value as Record<string, unknown>)) {
    deepest = Math.max(deepest, jsonDepth(child, limit - 1));
    if (deepest >= limit) break;
  }
  return deepest + 1;
}

// A lone surrogate is a `Cs` code point under the `u` flag (a well-formed pair is one astral code
// point and does not match); PostgreSQL refuses both it and NUL in text, which made them 500s.
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether a string holds U+0000 or an unpaired UTF-16 surrogate (text no database column may hold). */
export function isUnsafeText(text: string): boolean {
  return text.includes('\0') || LONE_SURROGATE.test(text);
}

/**
 * Where the first string or object key holding NUL or a lone surrogate sits in a parsed value
 * (`body/apps/0/name`), or `undefined` when there is none. Depth is bounded by the caller.
 */
export function findUnsafeText(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return isUnsafeText(value) ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnsafeText(value[i], `${path}/${i}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    if (isUnsafeText(key)) return `${path}/${key.replace(/[\0\p{Cs}]/gu, '?')}`;
    const found = findUnsafeText(child, `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * JSON can carry NUL or a lone surrogate only as a `\u` escape (raw control characters are not
 * JSON, and raw surrogate bytes are not UTF-8 and decode to U+FFFD), so a body without `\u`
 * needs no walk: a 150-app report costs one `indexOf`.
 */
export function mayHoldUnsafeText(rawJson: Buffer): boolean {
  return rawJson.includes('\\u');
}

/** Thrown text for a value {@link findUnsafeText} flagged. */
export function unsafeTextMessage(where: string): string {
  return `${where}: text must not contain NUL (U+0000) or unpaired surrogates`;
}

/**
 * Validates with TypeBox's compiler instead of Ajv: bodies are checked strictly (no coercion,
 * unknown fields refused where schemas say `additionalProperties: false`, nothing removed); query
 * strings and path params are converted (`"10"` → 10) before the check; defaults are filled in.
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const checker = TypeCompiler.Compile(schema);
  // Filling defaults walks the whole value; a 150-app report has none to fill, so skip the walk.
  const fillDefaults = hasDefaults(schema);
  return (data: unknown) => {
    const converted = httpPart === 'body' ? data : Value.Convert(schema, data);
    const value = fillDefaults ? Value.Default(schema, converted) : converted;
    if (checker.Check(value)) return { value };
    const first = checker.Errors(value).First();
    const where = first === undefined || first.path === '' ? httpPart : `${httpPart}${first.path}`;
    return { error: new Error(`${where}: ${first?.message ?? 'invalid'}`) };
  };
};

/** Whether a schema (or any schema inside it) declares a `default`. */
export function hasDefaults(schema: unknown): boolean {
  if (schema === null || typeof schema !== 'object') return false;
  if (Array.isArray(schema)) return schema.some(hasDefaults);
  if ('default' in schema) return true;
  return Object.values(schema).some(hasDefaults);
}
