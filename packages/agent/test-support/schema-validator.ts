import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

const SCHEMA_DIR = join(import.meta.dirname, '../../engine/schema');

/** Validation result: the ajv errors as readable lines, empty when the document is valid. */
export type SchemaErrors = readonly string[];

/**
 * Validators for the engine's committed JSON Schema files (`packages/engine/schema/*.schema.json`),
 * the contract a native agent would validate against. Test-only: the SDK itself trusts its types.
 */
export function createSchemaValidator(): {
  snapshot(value: unknown): SchemaErrors;
  report(value: unknown): SchemaErrors;
} {
  const load = (name: string) => {
    // One Ajv per file: the report schema embeds the snapshot schema with the same `$id`.
    const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));
    const validate = ajv.compile(JSON.parse(readFileSync(join(SCHEMA_DIR, name), 'utf8')) as object);
    return (value: unknown): SchemaErrors =>
      validate(value)
        ? []
        : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
  };
  return { snapshot: load('snapshot.schema.json'), report: load('report.schema.json') };
}
