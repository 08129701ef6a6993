import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTokenSigner } from './signed-token.ts';

const now = new Date('2026-01-01T00:00:00Z');
const exp = Math.floor(now.getTime() / 1000) + 60;

describe('signed access tokens', () => {
  const signer = createTokenSigner(randomBytes(32));
  const token = signer.sign({
    kind: 'rem',
    tenantId: 'ten_1',
    deviceId: 'dev_1',
    resourceId: 'exchange',
    exp,
  });

  it('round-trips its claims', () => {
    expect(signer.verify(token, 'rem', now)).toEqual({
      kind: 'rem',
      tenantId: 'ten_1',
      deviceId: 'dev_1',
      resourceId: 'exchange',
      exp,
    });
  });

  it.each([
    ['another kind', token, 'dev' as const, now],
    ['expired', token, 'rem' as const, new Date((exp + 1) * 1000)],
    [
      'tampered payload',
      `${Buffer.from('{"k":"rem","t":"ten_2","d":"dev_1","e":9999999999}').toString('base64url')}.${token.split('.')[1]}`,
      'rem' as const,
      now,
    ],
    ['tampered mac', `${token.slice(0, -3)}abc`, 'rem' as const, now],
    ['no dot', 'abc', 'rem' as const, now],
    ['too long', 'a'.repeat(2000), 'rem' as const, now],
  ])('refuses %s', (_name, value, kind, at) => {
    expect(signer.verify(value, kind, at)).toBeUndefined();
  });

  it('another server key does not verify it', () => {
    expect(createTokenSigner(randomBytes(32)).verify(token, 'rem', now)).toBeUndefined();
  });
});
