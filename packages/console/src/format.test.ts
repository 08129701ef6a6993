import { describe, expect, it } from 'vitest';
import { attackUrl, formatAgo, humanize, preview } from './format.ts';

describe('format', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  it.each([
    [null, 'never'],
    ['2026-11-25T11:59:50Z', 'just now'],
    ['2026-11-25T11:45:00Z', '15 min ago'],
    ['2026-11-25T02:00:00Z', '10 h ago'],
    ['2026-11-20T12:00:00Z', '5 d ago'],
  ])('formatAgo(%s)', (iso, expected) => {
    expect(formatAgo(iso, now)).toBe(expected);
  });

  it.each([
    ['in-grace-period', 'In grace period'],
    ['app.stalkerware', 'App stalkerware'],
    ['noncompliant', 'Noncompliant'],
  ])('humanize(%s)', (value, expected) => {
    expect(humanize(value)).toBe(expected);
  });

  it.each([
    ['T1430', 'https://attack.mitre.org/techniques/T1430/'],
    ['T1636.004', 'https://attack.mitre.org/techniques/T1636/004/'],
  ])('attackUrl(%s)', (id, expected) => {
    expect(attackUrl(id)).toBe(expected);
  });

  it('preview cuts long JSON', () => {
    expect(preview({ a: 'x'.repeat(200) }, 20)).toHaveLength(20);
    expect(preview('short')).toBe('short');
  });
});
