import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type { EcPublicJwk } from '../src/crypto/jws.ts';

/** Overrides of a signed request's claims, for tests that tamper with them. */
export interface SignOverrides {
  readonly ts?: number;
  readonly n?: string;
  readonly m?: string;
  readonly p?: string;
  readonly bd?: string;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A test device key that signs requests the way docs/agent-protocol.md §2 says. */
export class TestDevice {
  readonly privateKey: KeyObject;
  readonly jwk: EcPublicJwk;
  deviceId: string | undefined;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    this.jwk = { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y) };
  }

  /** The `x-riskgate-signature` value for a request. `withJwk` signs an enrollment. */
  sign(
    method: string,
    path: string,
    body: string,
    now: Date,
    options: SignOverrides & { withJwk?: boolean } = {},
  ): string {
    const header = options.withJwk
      ? { alg: 'ES256', typ: 'riskgate-request+jws', jwk: this.jwk }
      : { alg: 'ES256', typ: 'riskgate-request+jws', kid: this.deviceId };
    const payload = {
      m: options.m ?? method,
      p: options.p ?? path,
      bd: options.bd ?? createHash('sha256').update(body).digest('base64url'),
      ts: options.ts ?? Math.floor(now.getTime() / 1000),
      n: options.n ?? randomBytes(16).toString('base64url'),
    };
    const input = `${b64(header)}.${b64(payload)}`;
    const signature = sign('sha256', Buffer.from(input), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  }

  /** Inject options for a signed JSON request. */
  request(
    method: 'GET' | 'POST',
    url: string,
    body: unknown,
    now: Date,
    options: SignOverrides & { withJwk?: boolean } = {},
  ) {
    const text = body === undefined ? '' : JSON.stringify(body);
    return {
      method,
      url,
      headers: {
        'x-riskgate-signature': this.sign(method, url, text, now, options),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: text }),
    };
  }
}
