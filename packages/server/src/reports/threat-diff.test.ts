import { type Detection, labelsFor } from '@riskgate/engine';
import { describe, expect, it } from 'vitest';
import type { ThreatRow } from '../queries/threats.ts';
import { diffThreats, riskLevelOfActive } from './threat-diff.ts';

const detection = (key: string, risk: Detection['risk']): Detection => ({
  key,
  typeId: key.split(':')[0] ?? key,
  class: 'app',
  risk,
  defaultRisk: risk,
  title: key,
  summary: key,
  attack: [],
  evidence: [],
  remediation: [],
});

const row = (key: string, state: ThreatRow['state']): ThreatRow => ({
  tenant_id: 'ten_1',
  id: `thr_${key}`,
  device_id: 'dev_1',
  key,
  type_id: key,
  class: 'app',
  risk: 'high',
  default_risk: 'high',
  state,
  title: key,
  summary: key,
  evidence: '[]',
  attack: '[]',
  family: null,
  remediation: '[]',
  first_seen: '2026-01-01T00:00:00.000Z',
  last_seen: '2026-01-01T00:00:00.000Z',
  resolved_at: state === 'resolved' ? '2026-01-02T00:00:00.000Z' : null,
});

describe('diffThreats', () => {
  it('splits detections into new, seen again and resolved', () => {
    const stored = [
      row('a', 'active'),
      row('b', 'active'),
      row('c', 'resolved'),
      row('d', 'ignored'),
      row('e', 'resolved'),
    ];
    const diff = diffThreats(stored, [
      detection('a', 'high'),
      detection('c', 'low'),
      detection('d', 'medium'),
      detection('n', 'low'),
    ]);
    expect(diff.created.map((d) => d.key)).toEqual(['n']);
    expect(diff.seenAgain.map((s) => s.row.key)).toEqual(['a', 'c', 'd']);
    expect(diff.resolved.map((r) => r.key)).toEqual(['b']);
  });
});

describe('riskLevelOfActive', () => {
  it.each([
    [[], [], 'secured'],
    [[detection('a', 'none')], [], 'secured'],
    [[detection('a', 'low')], [], 'low'],
    [[detection('a', 'low'), detection('b', 'high'), detection('c', 'medium')], [], 'high'],
    [[detection('a', 'low'), detection('b', 'high')], ['b'], 'low'],
  ] as const)('%j ignoring %j → %s', (detections, ignored, level) => {
    expect(riskLevelOfActive(detections, new Set(ignored))).toBe(level);
  });
});

describe('labelsFor', () => {
  it.each([
    [[], 'high', ['MTD - High Risk']],
    [['MTD - High Risk'], 'medium', ['MTD - Moderate Risk']],
    [['vip', 'MTD - Low Risk'], 'secured', ['vip']],
    [['vip'], 'low', ['vip', 'MTD - Low Risk']],
  ] as const)('%j at %s → %j', (current, level, expected) => {
    expect(labelsFor(current, level)).toEqual(expected);
  });
});
