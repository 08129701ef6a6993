import { parseIntelFile } from '@riskgate/engine';
import { describe, expect, it } from 'vitest';
import { mayHoldAny, textNeedlesOf } from './intel-reassess.ts';

const packages = parseIntelFile('com.Evil.Spy\ncom.other.spy\n', 'package_names.txt', { feed: 'test' });
const domains = parseIntelFile('evil.example\n', 'domains.txt', { feed: 'test' });
const ips = parseIntelFile('203.0.113.7\n', 'ip-addresses.txt', { feed: 'test' });

describe('intel re-assessment text pre-filter', () => {
  it.each([
    ['package ids', [packages], ['com.evil.spy', 'com.other.spy']],
    ['domains', [domains], ['evil.example']],
    ['IP addresses (their text form may differ on the device)', [ips], undefined],
    ['mixed feeds with an IP list', [packages, ips], undefined],
  ] as const)('needles for %s', (_name, feeds, expected) => {
    expect(textNeedlesOf(feeds)).toEqual(expected);
  });

  it('gives no pre-filter for feeds with end-of-life or vulnerability data, or too many values', () => {
    const many = parseIntelFile(
      Array.from({ length: 65 }, (_, i) => `com.app${i}.x`).join('\n'),
      'package_names.txt',
      { feed: 'test' },
    );
    expect(textNeedlesOf([many])).toBeUndefined();
    expect(textNeedlesOf([{ ...packages, eolCycles: [{} as never] }])).toBeUndefined();
  });

  it.each([
    ['an app id in another case', '{"apps":[{"id":"COM.EVIL.SPY"}]}', true],
    ['a host under a listed domain', '{"visitedDomains":[{"domain":"a.b.evil.example"}]}', true],
    ['nothing listed', '{"apps":[{"id":"com.good.app"}]}', false],
    ['non-ASCII text (an IDN host in Unicode)', '{"visitedDomains":[{"domain":"bücher.example"}]}', true],
  ])('%s', (_name, text, expected) => {
    expect(mayHoldAny(text, ['com.evil.spy', 'evil.example'])).toBe(expected);
  });
});
