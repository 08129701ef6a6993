/** One operation of an OpenAPI document, as the fuzz and the route matrix need it. */
export interface Operation {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** With `{name}` placeholders. */
  readonly path: string;
  readonly pathParams: readonly string[];
  readonly queryParams: readonly string[];
  readonly bodySchema: unknown;
  /** The first security scheme it declares (`bearer`, `deviceSignature`), or `none`. */
  readonly security: string;
  /** The statuses it documents (`200`, `404`, `503`…). */
  readonly responses: readonly string[];
  /** Extra members of the operation object (`x-riskgate-auth`…). */
  readonly extensions: Readonly<Record<string, unknown>>;
}

/** A request the fuzz sends: the body is raw text (so broken JSON and prototype keys survive). */
export interface FuzzRequest {
  readonly method: Operation['method'];
  readonly url: string;
  readonly body: string | undefined;
  readonly security: string;
  readonly what: string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every operation of an OpenAPI 3 document (read from the live `/openapi.json`). */
export function operationsOf(doc: unknown): Operation[] {
  const paths = isRecord(doc) && isRecord(doc.paths) ? doc.paths : {};
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!isRecord(item)) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!isRecord(op)) continue;
      const parameters = Array.isArray(op.parameters) ? op.parameters.filter(isRecord) : [];
      const names = (where: string) =>
        parameters.filter((p) => p.in === where && typeof p.name === 'string').map((p) => String(p.name));
      const content =
        isRecord(op.requestBody) && isRecord(op.requestBody.content) ? op.requestBody.content : {};
      const json = content['application/json'];
      const security =
        Array.isArray(op.security) && isRecord(op.security[0]) ? Object.keys(op.security[0])[0] : undefined;
      out.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: names('path'),
        queryParams: names('query'),
        bodySchema: isRecord(json) ? json.schema : undefined,
        security: security ?? 'none',
        responses: isRecord(op.responses) ? Object.keys(op.responses) : [],
        extensions: Object.fromEntries(Object.entries(op).filter(([key]) => key.startsWith('x-'))),
      });
    }
  }
  return out;
}

const deep = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};

/** Hostile values for a path param, a query param or one body property. */
export const HOSTILE_VALUES: readonly { readonly name: string; readonly value: unknown }[] = [
  { name: 'NUL', value: 'a\u0000b' },
  { name: 'lone surrogate', value: 'a\ud800b' },
  { name: 'huge string', value: 'x'.repeat(100_000) },
  { name: 'empty string', value: '' },
  { name: 'SQL and path metacharacters', value: "' OR 1=1 --/../%2e%2e;\\" },
  { name: 'RTL and zero-width', value: '\u202e\u200bevil' },
  { name: '__proto__', value: '__proto__' },
  { name: 'number past 2^63', value: 1.2345678901234567e19 },
  { name: 'negative', value: -1 },
  { name: 'float', value: 1.5e308 },
  { name: 'boolean', value: true },
  { name: 'null', value: null },
  { name: 'array', value: ['a', 1, null] },
  { name: 'object', value: { a: 1 } },
  {
    name: 'prototype keys',
    value: JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}'),
  },
  { name: 'deep', value: deep(40) },
];

/** Whole hostile bodies, as raw text. */
export const HOSTILE_BODIES: readonly { readonly name: string; readonly text: string }[] = [
  { name: 'broken JSON', text: '{"a": ' },
  { name: 'not JSON', text: 'hello' },
  { name: 'empty object', text: '{}' },
  { name: 'array', text: '[1,2,3]' },
  { name: 'string', text: '"x"' },
  { name: 'null', text: 'null' },
  { name: 'number', text: '1e999' },
  { name: 'deep JSON', text: `${'['.repeat(5000)}${']'.repeat(5000)}` },
  { name: 'deep object', text: JSON.stringify(deep(200)) },
  { name: 'prototype keys', text: '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}' },
  { name: 'NUL key', text: '{"\\u0000":1}' },
  { name: 'lone surrogate value', text: '{"a":"\\udfff"}' },
  { name: 'duplicate keys', text: '{"a":1,"a":"x"}' },
  { name: 'huge', text: JSON.stringify({ a: 'x'.repeat(200_000) }) },
];

/** A string as it goes into a URL; a lone surrogate as its (invalid) UTF-8 bytes. */
export function hostileInUrl(text: string): string {
  // encodeURIComponent throws on a lone surrogate: send its WTF-8 bytes instead (NUL stays %00).
  return text
    .split(/\p{Cs}/u)
    .map((part) => encodeURIComponent(part))
    .join('%ED%A0%80');
}

/** A small value that matches a JSON schema as far as a quick walk can (required members only). */
export function sampleOf(schema: unknown): unknown {
  if (!isRecord(schema)) return 'x';
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants)) return sampleOf(variants[0]);
  switch (schema.type) {
    case 'object': {
      const props = isRecord(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required.map(String) : Object.keys(props);
      return Object.fromEntries(required.map((key) => [key, sampleOf(props[key])]));
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'string':
      if (schema.format === 'date-time') return new Date().toISOString();
      if (typeof schema.pattern === 'string') return stringMatching(schema.pattern, schema.minLength);
      return 'x'.repeat(typeof schema.minLength === 'number' ? Math.max(1, schema.minLength) : 1);
    default:
      return 'x';
  }
}

/**
 * A short string matching `pattern`, by trying a few shapes (a version, a word, runs of a letter as
 * long as the counts the pattern names): enough for the patterns of this API, so a sample body
 * gets past validation to the handler. Falls back to `x` (then the request is a validation case).
 */
function stringMatching(pattern: string, minLength: unknown): string {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
  } catch {
    return 'x';
  }
  const counts = [...pattern.matchAll(/\{(\d+)(?:,(\d*))?\}/g)].map((m) => Number(m[1]));
  if (typeof minLength === 'number') counts.push(minLength);
  const candidates = [
    'x',
    '1',
    '1.0',
    'a1',
    'x.example.test',
    'x@example.test',
    'https://x.example.test/feed.json',
    ...counts.flatMap((n) => ['A'.repeat(n), 'a'.repeat(n), '0'.repeat(n)]),
  ];
  const min = typeof minLength === 'number' ? minLength : 0;
  return candidates.find((candidate) => candidate.length >= min && regex.test(candidate)) ?? 'x';
}
