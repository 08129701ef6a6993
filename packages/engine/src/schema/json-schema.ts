import { ReportSchema } from './report.ts';
import { SnapshotSchema } from './snapshot.ts';

/**
 * The telemetry schema as plain JSON Schema (draft 2020-12 compatible), for agents written in
 * other languages and for `packages/engine/schema/snapshot.schema.json`. Returns a fresh copy.
 */
export function snapshotJsonSchema(): Record<string, unknown> {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...structuredClone(SnapshotSchema) };
}

/** The report body (`POST /v1/device/reports`) as plain JSON Schema. Returns a fresh copy. */
export function reportJsonSchema(): Record<string, unknown> {
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...structuredClone(ReportSchema) };
}

/** Serialises a JSON Schema the way the committed files are written (2-space indent, final newline). */
export function formatJsonSchema(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
