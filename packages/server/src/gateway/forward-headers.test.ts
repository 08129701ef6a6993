import { describe, expect, it } from 'vitest';
import { endToEndHeaders, upstreamRequestHeaders } from './forward-headers.ts';

describe('endToEndHeaders', () => {
  it.each([
    [{ connection: 'keep-alive', 'keep-alive': 'timeout=5', accept: '*/*' }, { accept: '*/*' }],
    [
      { 'transfer-encoding': 'chunked', te: 'trailers', trailer: 'x', 'content-type': 'a/b' },
      { 'content-type': 'a/b' },
    ],
    [{ connection: 'close, X-Secret', 'x-secret': '1', 'x-other': '2' }, { 'x-other': '2' }],
    [{ upgrade: 'websocket', 'proxy-authorization': 'Basic x', 'proxy-connection': 'keep-alive' }, {}],
    [{ 'set-cookie': ['a=1', 'b=2'] }, { 'set-cookie': ['a=1', 'b=2'] }],
  ])('%j → %j', (input, expected) => {
    expect(endToEndHeaders(input)).toEqual(expected);
  });
});

describe('upstreamRequestHeaders', () => {
  const ctx = {
    remoteAddress: '192.0.2.7',
    host: 'mail.example.com',
    requestId: 'req-1',
    identity: { 'x-riskgate-device-id': 'dev-1', 'x-riskgate-user': 'alice', 'x-other': 'not identity' },
  };

  it('replaces client-sent forwarding and identity headers with the gateway its own', () => {
    const out = upstreamRequestHeaders(
      {
        host: 'mail.example.com',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-proto': 'http',
        forwarded: 'for=6.6.6.6',
        'x-riskgate-user': 'mallory',
        'x-riskgate-device-token': 'tok',
        'x-riskgate-anything': 'x',
        cookie: 'c=1',
      },
      ctx,
    );
    expect(out).toEqual({
      host: 'mail.example.com',
      cookie: 'c=1',
      'x-forwarded-for': '192.0.2.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'mail.example.com',
      'x-request-id': 'req-1',
      'x-riskgate-device-id': 'dev-1',
      'x-riskgate-user': 'alice',
    });
  });
});
