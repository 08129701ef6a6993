import { describe, expect, it } from 'vitest';
import { explainRisk } from './explain.ts';
import type { Threat } from './types.ts';

const threat = (title: string, risk: string): Threat => ({
  id: title,
  key: title,
  typeId: 'x',
  class: 'app',
  title,
  risk,
  state: 'active',
  summary: '',
  remediation: [],
  evidence: [],
  attack: [],
  family: null,
  firstSeen: '2026-01-01T00:00:00Z',
  lastSeen: '2026-01-01T00:00:00Z',
  resolvedAt: null,
});

describe('explainRisk', () => {
  it.each([
    ['secured', [], 'No active threat: the device is secured.'],
    ['secured', [threat('Adware', 'none')], 'The active threat is rated none, so the device is secured.'],
    [
      'high',
      [threat('Stalkerware app', 'high'), threat('Old patch', 'medium')],
      'High because an active threat is rated high: Stalkerware app.',
    ],
    [
      'medium',
      [threat('A', 'medium'), threat('B', 'medium'), threat('C', 'low')],
      'Medium because 2 active threats are rated medium: A, B.',
    ],
  ] as const)('%s with %j', (level, active, start) => {
    expect(explainRisk(level, active)).toMatch(new RegExp(`^${start.replace(/[.()]/g, '\\$&')}`));
  });
});
