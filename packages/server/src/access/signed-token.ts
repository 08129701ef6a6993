import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short HMAC-signed tokens: `dev` (a device session token for browser flows, bound to one
 * device) and `rem` (the remediation link: which device was refused which resource). The key is
 * derived from the server's secret key, so tokens survive restarts and work on every node.
 */
export interface TokenClaims {
  readonly kind: 'dev' | 'rem';
  readonly tenantId: string;
  readonly deviceId: string;
  readonly resourceId?: string;
  readonly policyId?: string;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
}

export interface TokenSigner {
  sign(claims: TokenClaims): string;
  /** The claims of a valid, unexpired token of this kind, else `undefined`. */
  verify(token: string, kind: TokenClaims['kind'], now: Date): TokenClaims | undefined;
}

const MAX_TOKEN_LENGTH = 1024;

/** Creates a signer from the server's 32-byte secret key (a separate key is derived from it). */
export function createTokenSigner(secretKey: Uint8Array): TokenSigner {
  const key = createHmac('sha256', secretKey).update('riskgate access tokens v1').digest();
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest();
  return {
    sign(claims) {
      const payload = Buffer.from(
        JSON.stringify({
          k: claims.kind,
          t: claims.tenantId,
          d: claims.deviceId,
          ...(claims.resourceId === undefined ? {} : { r: claims.resourceId }),
          ...(claims.policyId === undefined ? {} : { p: claims.policyId }),
          e: claims.exp,
        }),
      ).toString('base64url');
      return `${payload}.${mac(payload).toString('base64url')}`;
    },
    verify(token, kind, now) {
      if (token.length > MAX_TOKEN_LENGTH) return undefined;
      const dot = token.indexOf('.');
      if (dot <= 0) return undefined;
      const payload = token.slice(0, dot);
      const given = Buffer.from(token.slice(dot + 1), 'base64url');
      const expected = mac(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let raw: unknown;
      try {
        raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        return undefined;
      }
      if (typeof raw !== 'object' || raw === null) return undefined;
      const c = raw as Record<string, unknown>;
      if (c.k !== kind || typeof c.t !== 'string' || typeof c.d !== 'string' || typeof c.e !== 'number')
        return undefined;
      if (c.e * 1000 <= now.getTime()) return undefined;
      return {
        kind,
        tenantId: c.t,
        deviceId: c.d,
        ...(typeof c.r === 'string' ? { resourceId: c.r } : {}),
        ...(typeof c.p === 'string' ? { policyId: c.p } : {}),
        exp: c.e,
      };
    },
  };
}
