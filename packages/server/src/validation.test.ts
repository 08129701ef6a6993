import { describe, expect, it } from 'vitest';
import { findUnsafeText, isUnsafeText, mayHoldUnsafeText } from './validation.ts';

describe('unsafe text', () => {
  it.each([
    ['plain', 'hello', false],
    ['emoji (a surrogate pair)', 'key 🔑', false],
    ['NUL', 'a\u0000b', true],
    ['lone high surrogate', 'a\ud800', true],
    ['lone low surrogate', '\udc00b', true],
    ['reversed pair', '\udc00\ud800', true],
    ['U+FFFD', '\ufffd', false],
  ])('%s', (_name, text, unsafe) => {
    expect(isUnsafeText(text)).toBe(unsafe);
  });

  it('names where the first unsafe string or key is', () => {
    expect(findUnsafeText({ a: [1, 'x', { b: 'y\u0000' }] }, 'body')).toBe('body/a/2/b');
    expect(findUnsafeText({ ok: { 'k\ud800': 1 } }, 'body')).toBe('body/ok/k?');
    expect(findUnsafeText({ ok: ['fine', 2, null, true] }, 'body')).toBeUndefined();
  });

  it('only bodies with a \\u escape need the walk', () => {
    expect(mayHoldUnsafeText(Buffer.from('{"a":"\\u0000"}'))).toBe(true);
    expect(mayHoldUnsafeText(Buffer.from('{"a":"plain"}'))).toBe(false);
    // Raw surrogate bytes are not UTF-8: they decode to U+FFFD, never to a lone surrogate.
    expect(isUnsafeText(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]).toString('utf8'))).toBe(false);
  });
});
