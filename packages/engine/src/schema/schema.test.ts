import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { cleanAndroidSnapshot, cleanApp, cleanIosSnapshot } from '../../test-support/snapshots.ts';
import { formatJsonSchema, reportJsonSchema, snapshotJsonSchema } from './json-schema.ts';
import { ReportSchema } from './report.ts';
import { SnapshotSchema } from './snapshot.ts';

FormatRegistry.Set(
  'date-time',
  (value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}T/.test(value),
);

const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));
const REPORT_ID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';

describe('SnapshotSchema', () => {
  it.each([
    ['clean android', cleanAndroidSnapshot()],
    ['clean ios', cleanIosSnapshot()],
  ])('accepts a %s snapshot', (_name, snapshot) => {
    expect([...Value.Errors(SnapshotSchema, snapshot)]).toEqual([]);
  });

  const base = cleanAndroidSnapshot();
  it.each([
    ['wrong schemaVersion', { ...base, schemaVersion: 2 }],
    ['unknown top-level field', { ...base, extra: true }],
    ['unknown device field', { ...base, device: { ...base.device, imei: '1' } }],
    ['bad patch level', { ...base, device: { ...base.device, securityPatch: 'May 2024' } }],
    ['non-hex cert hash', { ...base, apps: [cleanApp({ id: 'a.b', certSha256: 'z'.repeat(64) })] }],
    ['short sha1', { ...base, apps: [cleanApp({ id: 'a.b', certSha1: 'ab' })] }],
    ['too many apps', { ...base, apps: Array.from({ length: 5001 }, (_, i) => ({ id: `a.b${i}` })) }],
    [
      'too many permissions',
      { ...base, apps: [{ id: 'a.b', permissions: Array.from({ length: 501 }, (_, i) => `p${i}`) }] },
    ],
    ['over-long app name', { ...base, apps: [{ id: 'a.b', name: 'x'.repeat(257) }] }],
    [
      'bad wifi security',
      { ...base, network: { connection: 'wifi', wifi: { ssid: 'x', security: 'wpa9' } } },
    ],
    [
      'bad bssid',
      { ...base, network: { connection: 'wifi', wifi: { ssid: 'x', security: 'open', bssid: 'x' } } },
    ],
    ['bad attestation verdict', { ...base, integrity: { attestation: { verdict: 'ok' } } }],
    ['missing device', { ...base, device: undefined }],
  ])('rejects %s', (_name, value) => {
    expect(Value.Check(SnapshotSchema, value)).toBe(false);
  });
});

describe('ReportSchema', () => {
  it.each([
    ['full', { reportId: REPORT_ID, kind: 'full', snapshot: cleanAndroidSnapshot() }],
    [
      'events',
      {
        reportId: REPORT_ID,
        kind: 'events',
        events: [
          { type: 'app-installed', at: '2026-11-25T18:00:00Z', app: { id: 'com.example' } },
          { type: 'app-removed', at: '2026-11-25T18:00:01Z', appId: 'com.example' },
          { type: 'network-changed', at: '2026-11-25T18:00:02Z', network: { connection: 'cellular' } },
          { type: 'domain-visited', at: '2026-11-25T18:00:03Z', domain: 'example.com' },
        ],
      },
    ],
  ])('accepts a %s report', (_name, report) => {
    expect([...Value.Errors(ReportSchema, report)]).toEqual([]);
  });

  it.each([
    ['no reportId', { kind: 'full', snapshot: cleanAndroidSnapshot() }],
    ['bad reportId', { reportId: 'x', kind: 'full', snapshot: cleanAndroidSnapshot() }],
    ['unknown kind', { reportId: REPORT_ID, kind: 'delta', events: [] }],
    ['empty events', { reportId: REPORT_ID, kind: 'events', events: [] }],
    [
      'event without at',
      { reportId: REPORT_ID, kind: 'events', events: [{ type: 'app-removed', appId: 'com.example' }] },
    ],
    [
      'unknown event',
      { reportId: REPORT_ID, kind: 'events', events: [{ type: 'reboot', at: '2026-11-25T18:00:00Z' }] },
    ],
  ])('rejects %s', (_name, report) => {
    expect(Value.Check(ReportSchema, report)).toBe(false);
  });
});

describe('committed JSON Schema files', () => {
  // Regenerate with: RISKGATE_UPDATE_SCHEMA=1 npx vitest run packages/engine/src/schema
  it.each([
    ['snapshot.schema.json', snapshotJsonSchema],
    ['report.schema.json', reportJsonSchema],
  ])('%s equals the generated schema', (file, generate) => {
    const expected = formatJsonSchema(generate());
    if (process.env.RISKGATE_UPDATE_SCHEMA === '1') writeFileSync(`${SCHEMA_DIR}${file}`, expected);
    // Compare parsed JSON: the committed file may be re-indented by the formatter.
    expect(JSON.parse(readFileSync(`${SCHEMA_DIR}${file}`, 'utf8'))).toEqual(JSON.parse(expected));
  });

  it('is plain JSON with the schema version pinned', () => {
    const schema = snapshotJsonSchema() as { properties: { schemaVersion: { const: number } } };
    expect(schema.properties.schemaVersion.const).toBe(1);
    expect(JSON.stringify(schema)).not.toContain('TypeBox');
  });
});
