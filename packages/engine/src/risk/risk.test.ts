import { describe, expect, it } from 'vitest';
import type { Classification, Detection, ThreatRisk } from '../types.ts';
import { classify } from './classify.ts';
import { explainRisk } from './explain.ts';
import { levelOfThreatRisk, riskLevelOf } from './level.ts';

function detection(
  typeId: string,
  risk: ThreatRisk,
  defaultRisk: ThreatRisk = risk,
  family?: string,
): Detection {
  return {
    key: `${typeId}:x`,
    typeId,
    class: 'app',
    risk,
    defaultRisk,
    title: typeId,
    summary: `${typeId} summary`,
    ...(family ? { family } : {}),
    attack: [],
    evidence: [],
    remediation: [],
  };
}

describe('riskLevelOf', () => {
  it.each<[string, ThreatRisk[], string]>([
    ['no threats', [], 'secured'],
    ['only none', ['none', 'none'], 'secured'],
    ['low', ['none', 'low'], 'low'],
    ['max wins', ['low', 'high', 'medium'], 'high'],
    ['medium', ['medium', 'low'], 'medium'],
  ])('%s', (_name, risks, expected) => {
    expect(riskLevelOf(risks.map((risk) => ({ risk })))).toBe(expected);
  });

  it('maps none to secured', () => {
    expect(levelOfThreatRisk('none')).toBe('secured');
    expect(levelOfThreatRisk('medium')).toBe('medium');
  });
});

describe('classify', () => {
  const classification: Classification = {
    byType: { 'app.adware': 'none', 'app.stalkerware': 'high' },
    byFamily: { thetruthspy: 'medium' },
  };
  it.each<[string, string, ThreatRisk, string | undefined, ThreatRisk, string | undefined]>([
    ['no override', 'device.rooted', 'high', undefined, 'high', undefined],
    ['by type', 'app.adware', 'low', undefined, 'none', 'type'],
    [
      'by family (case-insensitive) wins over type',
      'app.stalkerware',
      'high',
      'TheTruthSpy',
      'medium',
      'family',
    ],
    ['unknown family falls back to type', 'app.stalkerware', 'high', 'Other', 'high', 'type'],
    ['prototype keys are not overrides', 'constructor', 'low', 'toString', 'low', undefined],
  ])('%s', (_name, typeId, defaultRisk, family, risk, by) => {
    const result = classify(typeId, defaultRisk, family, classification);
    expect(result.risk).toBe(risk);
    expect(result.override?.by).toBe(by);
  });
});

describe('explainRisk', () => {
  it('explains a secured device', () => {
    const explanation = explainRisk([]);
    expect(explanation).toMatchObject({ level: 'secured', drivers: [], contributors: [], overrides: [] });
    expect(explanation.summary).toBe('Secured: no active threats.');
  });

  it('names the drivers, orders contributors and attributes overrides', () => {
    const classification: Classification = {
      byType: { 'app.adware': 'none' },
      byFamily: { thetruthspy: 'medium' },
    };
    const detections = [
      detection('device.developer-options', 'low'),
      detection('app.stalkerware', 'medium', 'high', 'TheTruthSpy'),
      detection('app.adware', 'none', 'low'),
      detection('network.open-wifi', 'medium'),
    ];
    const explanation = explainRisk(detections, classification);
    expect(explanation.level).toBe('medium');
    expect(explanation.drivers.map((d) => d.typeId)).toEqual(['app.stalkerware', 'network.open-wifi']);
    expect(explanation.contributors.map((d) => d.typeId)).toEqual([
      'app.stalkerware',
      'network.open-wifi',
      'device.developer-options',
    ]);
    expect(explanation.notCounted.map((d) => d.typeId)).toEqual(['app.adware']);
    expect(explanation.overrides).toEqual([
      { by: 'family', key: 'thetruthspy', from: 'high', to: 'medium', threatKey: 'app.stalkerware:x' },
      { by: 'type', key: 'app.adware', from: 'low', to: 'none', threatKey: 'app.adware:x' },
    ]);
    expect(explanation.summary).toContain('Medium risk because of 2 medium-risk threats');
  });

  it('is secured when every threat was downgraded to none', () => {
    const explanation = explainRisk([detection('app.adware', 'none', 'low')]);
    expect(explanation.level).toBe('secured');
    expect(explanation.summary).toContain('1 recorded with risk none');
  });
});
