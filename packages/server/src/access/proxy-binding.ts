import { timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { hashToken } from '../crypto/tokens.ts';
import type { Database } from '../db/types.ts';
import { listAllProxyCredentials } from '../queries/proxy-credentials.ts';
import { type HeaderBag, headerOf, type IdentityHeaderKind } from './client-cert-headers.ts';

/** The proxies Riskgate integrates with; each sets exactly one identity header (docs/proxies.md). */
export type ProxyIntegration = IdentityHeaderKind;
export const PROXY_INTEGRATIONS: readonly ProxyIntegration[] = ['nginx', 'traefik', 'caddy', 'envoy'];

/** {@link ProxyIntegration} at the API and settings boundaries. */
export const ProxyIntegrationSchema = Type.Union(
  [Type.Literal('nginx'), Type.Literal('traefik'), Type.Literal('caddy'), Type.Literal('envoy')],
  { description: 'the reverse proxy, which decides the one identity header read' },
);

export const isProxyIntegration = (value: string): value is ProxyIntegration =>
  (PROXY_INTEGRATIONS as readonly string[]).includes(value);

/**
 * Who is asking: the one tenant an enforcement request is bound to (issue 11.2), and which proxy's
 * identity header it reads. Fixed by the proxy's credential before any device is looked up.
 */
export interface ProxyBinding {
  readonly tenantId: string;
  readonly integration: ProxyIntegration;
  /** The credential's id, or `shared` for the deployment-wide secret / trusted addresses. */
  readonly credentialId: string;
}

/** The deployment-wide binding (`RISKGATE_PROXY_SECRET` / trusted addresses → one tenant). */
export interface SharedProxyBinding {
  readonly secret?: string;
  readonly addresses: readonly string[];
  /** Without a tenant the shared secret is refused at start and addresses grant nothing. */
  readonly tenantId?: string;
  readonly integration?: ProxyIntegration;
}

export interface ProxyTrust {
  /**
   * The caller's binding: synchronous when the credentials are in memory (nearly always), a
   * promise when they must be read first; `undefined` when the caller is not a trusted proxy.
   */
  bind(
    headers: HeaderBag,
    remoteAddress: string | undefined,
  ): ProxyBinding | undefined | Promise<ProxyBinding | undefined>;
  /** Forgets the credentials (one was created or deleted here or on another node). */
  invalidate(): void;
}

/** The header every proxy sends its credential in. */
export const PROXY_SECRET_HEADER = 'x-riskgate-proxy-secret';
const CREDENTIAL_MARKER = 'rgps_';
const CREDENTIAL_LENGTH = CREDENTIAL_MARKER.length + 43;

const stripMapped = (address: string) => (address.startsWith('::ffff:') ? address.slice(7) : address);

/** Constant-time comparison of equal-length buffers (a length mismatch still compares). */
function sameSecret(given: string, expected: Buffer): boolean {
  const a = Buffer.from(given);
  return a.length === expected.length
    ? timingSafeEqual(a, expected)
    : timingSafeEqual(expected, expected) && false;
}

/**
 * Per-tenant proxy credentials (`rgps_…`, stored as SHA-256, kept in memory by hash) plus the
 * optional deployment-wide secret or trusted addresses, which bind to one configured tenant.
 */
export function createProxyTrust(db: Kysely<Database>, shared: SharedProxyBinding): ProxyTrust {
  const sharedBinding: ProxyBinding | undefined =
    shared.tenantId === undefined || shared.integration === undefined
      ? undefined
      : { tenantId: shared.tenantId, integration: shared.integration, credentialId: 'shared' };
  const sharedSecret =
    shared.secret === undefined || shared.secret === '' ? undefined : Buffer.from(shared.secret);
  const addresses = new Set(shared.addresses.map(stripMapped));
  let byHash: Map<string, ProxyBinding> | undefined;
  let loading: Promise<Map<string, ProxyBinding>> | undefined;
  let generation = 0;

  function load(): Promise<Map<string, ProxyBinding>> {
    if (loading !== undefined) return loading;
    const started = generation;
    loading = listAllProxyCredentials(db)
      .then((rows) => {
        const map = new Map<string, ProxyBinding>();
        for (const row of rows) {
          if (!isProxyIntegration(row.integration)) continue;
          map.set(row.secret_hash, {
            tenantId: row.tenant_id,
            integration: row.integration,
            credentialId: row.id,
          });
        }
        // A credential deleted while reading may still be in `rows`: keep nothing then.
        if (generation === started) byHash = map;
        return map;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  return {
    bind(headers, remoteAddress) {
      const given = headerOf(headers, PROXY_SECRET_HEADER);
      if (given !== undefined) {
        if (given.startsWith(CREDENTIAL_MARKER)) {
          // Minted credentials are `rgps_` and 43 base64url characters; nothing else can match.
          if (given.length !== CREDENTIAL_LENGTH) return undefined;
          const hash = hashToken(given);
          return byHash !== undefined ? byHash.get(hash) : load().then((map) => map.get(hash));
        }
        return sharedSecret !== undefined && sameSecret(given, sharedSecret) ? sharedBinding : undefined;
      }
      if (sharedBinding === undefined || remoteAddress === undefined) return undefined;
      return addresses.has(stripMapped(remoteAddress)) ? sharedBinding : undefined;
    },
    invalidate() {
      generation++;
      byHash = undefined;
      loading = undefined;
    },
  };
}
