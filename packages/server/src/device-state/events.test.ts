import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { DeviceStateChangedV1, isStateChange, stateChangedEvent } from './events.ts';

const SCHEMA_FILE = fileURLToPath(new URL('../../schema/device.state-changed.v1.json', import.meta.url));

/** The TypeBox schema as plain JSON Schema (TypeBox's symbol keys are not JSON). */
const asJson = () => `${JSON.stringify(DeviceStateChangedV1, null, 2)}\n`;

describe('device.state-changed v1', () => {
  it('the committed JSON Schema file equals the TypeBox schema (regenerate: UPDATE_EVENT_SCHEMA=1, then biome format)', () => {
    if (process.env.UPDATE_EVENT_SCHEMA === '1') writeFileSync(SCHEMA_FILE, asJson());
    // Compared as JSON values: the file is formatted by Biome.
    expect(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'))).toEqual(JSON.parse(asJson()));
  });

  const draft = {
    tenantId: 'ten_1',
    deviceId: 'dev_1',
    cause: 'triage' as const,
    trigger: 'threat.ignore',
    at: '2026-12-07T18:00:00.000Z',
    before: {
      riskLevel: 'high' as const,
      complianceState: 'noncompliant' as const,
      labels: ['MTD - High Risk'],
    },
    after: { riskLevel: 'secured' as const, complianceState: 'compliant' as const, labels: [] },
    reasons: { failingRules: [], threatsOpened: [], threatsResolved: ['app.stalkerware:com.apspy.app'] },
  };

  it('builds events that validate, and the schema refuses what is not one', () => {
    const event = stateChangedEvent(draft, 'out_1', 3);
    expect(Value.Check(DeviceStateChangedV1, event)).toBe(true);
    expect(Object.keys(event)).toEqual(Object.keys(DeviceStateChangedV1.properties));
    for (const bad of [
      { ...event, sequence: 0 },
      { ...event, cause: 'cosmic-ray' },
      { ...event, extra: true },
      { ...event, after: { ...event.after, riskLevel: 'none' } },
      { ...event, schemaVersion: 2 },
    ])
      expect(Value.Check(DeviceStateChangedV1, bad)).toBe(false);
  });

  it.each([
    ['nothing moved', draft.before, { failingRules: [], threatsOpened: [], threatsResolved: [] }, false],
    [
      'a label moved',
      { ...draft.before, labels: [] },
      { failingRules: [], threatsOpened: [], threatsResolved: [] },
      true,
    ],
    ['a threat opened', draft.before, { failingRules: [], threatsOpened: ['k'], threatsResolved: [] }, true],
  ])('is a change when %s: %s', (_name, after, reasons, expected) => {
    expect(isStateChange(draft.before, after, reasons)).toBe(expected);
  });
});
