import { describe, expect, it } from 'vitest';
import { compareDottedVersions, parseDottedVersion } from './version.ts';

describe('compareDottedVersions', () => {
  it.each([
    ['14', '14', 0],
    ['14', '14.0', 0],
    ['18', '18.0', 0],
    ['18.0', '18.0.0', 0],
    ['14.1.2', '14', 1],
    ['14', '14.1.2', -1],
    ['17.5.1', '17.5', 1],
    ['17.5.1', '17.10', -1],
    ['17.10', '17.9.9', 1],
    ['18.0', '17.5.1', 1],
    ['9', '10', -1],
    ['13', '14', -1],
    ['17.5.1 (21F90)', '17.5.1', 0],
    ['14-beta', '14', 0],
  ] as const)('%s vs %s → %i', (a, b, expected) => {
    expect(compareDottedVersions(a, b)).toBe(expected);
    expect(compareDottedVersions(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  it.each(['', 'unknown', 'beta 14'])('%j is not a version', (value) => {
    expect(parseDottedVersion(value)).toBeUndefined();
    expect(compareDottedVersions(value, '14')).toBeUndefined();
  });
});
