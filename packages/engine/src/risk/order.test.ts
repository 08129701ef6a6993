import { describe, expect, it } from 'vitest';
import type { RiskLevel } from '../types.ts';
import {
  isRiskAtMost,
  labelsFor,
  parseRiskLevel,
  parseThreatRisk,
  RISK_LABELS,
  RISK_LEVELS,
  riskLevelOfRank,
  riskRank,
  THREAT_RISKS,
  threatRiskRank,
} from './order.ts';

describe('risk order', () => {
  it('ranks levels and threat risks by their index, and a threat risk raises a device to the level of equal rank', () => {
    RISK_LEVELS.forEach((level, rank) => {
      expect(riskRank(level)).toBe(rank);
      expect(riskLevelOfRank(rank)).toBe(level);
    });
    THREAT_RISKS.forEach((risk, rank) => {
      expect(threatRiskRank(risk)).toBe(rank);
    });
  });

  it.each<[number, RiskLevel]>([
    [0, 'secured'],
    [1, 'low'],
    [2, 'medium'],
    [3, 'high'],
    [4, 'high'],
    [-1, 'high'],
    [Number.NaN, 'high'],
    [1.5, 'high'],
  ])('rank %s is %s (anything out of range is the safe side: high)', (rank, level) => {
    expect(riskLevelOfRank(rank)).toBe(level);
  });

  it.each<[RiskLevel, RiskLevel, boolean]>([
    ['secured', 'low', true],
    ['low', 'low', true],
    ['medium', 'low', false],
    ['high', 'medium', false],
    ['high', 'high', true],
  ])('%s at most %s: %s', (level, max, expected) => {
    expect(isRiskAtMost(level, max)).toBe(expected);
  });

  it.each<[string, RiskLevel | undefined]>([
    ['high', 'high'],
    ['secured', 'secured'],
    ['none', undefined],
    ['HIGH', undefined],
    ['toString', undefined],
  ])('parses %j', (text, level) => {
    expect(parseRiskLevel(text)).toBe(level);
  });
});

it.each<[string, string | undefined]>([
  ['none', 'none'],
  ['high', 'high'],
  ['secured', undefined],
  ['hasOwnProperty', undefined],
])('parses threat risk %j', (text, risk) => {
  expect(parseThreatRisk(text)).toBe(risk);
});

describe('labelsFor', () => {
  it.each<[string, string[], RiskLevel, string[]]>([
    ['adds the label', ['vip'], 'high', ['vip', 'MTD - High Risk']],
    ['replaces the label', ['MTD - Low Risk', 'vip'], 'medium', ['vip', 'MTD - Moderate Risk']],
    ['removes it when secured', ['MTD - High Risk', 'vip'], 'secured', ['vip']],
    ['keeps look-alikes', ['mtd - high risk'], 'low', ['mtd - high risk', 'MTD - Low Risk']],
    ['no duplicates', ['MTD - High Risk'], 'high', ['MTD - High Risk']],
  ])('%s', (_name, current, level, expected) => {
    expect(labelsFor(current, level)).toEqual(expected);
  });

  it('has a label per level but secured', () => {
    expect(RISK_LEVELS.filter((level) => RISK_LABELS[level] === undefined)).toEqual(['secured']);
  });
});
