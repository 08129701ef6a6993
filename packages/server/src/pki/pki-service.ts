import type { ServiceContext } from '../context.ts';
import {
  type CrlEntry,
  type CrlReasonName,
  type CrlSigner,
  createDeviceCrl,
  crlPem,
  openCrlSigner,
  signWithCa,
} from '../crypto/device-crl.ts';
import type { RevocationReason } from '../db/types.ts';
import { findOpenDeviceCa } from '../device-identity/device-ca-service.ts';
import { errors } from '../errors.ts';
import {
  type CertificateName,
  findTenantCertificate,
  listRetiredDevicesWithoutRevocation,
} from '../queries/pki-certificates.ts';
import { findRevocationMark, listRevokedCertificates } from '../queries/revoked-certificates.ts';

/** How long published revocation data stands (config.ts `crlPeriod`, `certStatusPeriod`). */
export interface PkiOptions {
  /** Seconds from a CRL's thisUpdate to its nextUpdate (default one hour). */
  readonly crlPeriodSeconds?: number;
  /** Seconds a signed certificate status stands (default five minutes). */
  readonly statusPeriodSeconds?: number;
  /** Signed statuses kept for reuse (default 10,000; the oldest goes first). */
  readonly statusCacheSize?: number;
}

/** A tenant's CRL as served: DER and PEM of the same signed list. */
export interface PublishedCrl {
  readonly der: Buffer;
  readonly pem: string;
  readonly number: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
}

/** An OCSP-style status of one certificate for one tenant (docs/proxies.md). */
export interface CertificateStatus {
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly tenantId: string;
  readonly serial: string | null;
  readonly fingerprintSha256: string | null;
  readonly revokedAt: string | null;
  readonly reason: CrlReasonName | null;
  readonly thisUpdate: string;
  readonly nextUpdate: string;
}

/** The status and, over exactly those members, a compact ES256 JWS by the tenant's device CA. */
export type SignedCertificateStatus = CertificateStatus & { readonly jws: string };

/** The JWS `typ` of a signed status. */
export const CERT_STATUS_JWS_TYPE = 'riskgate-cert-status+jwt';

const REASON_NAMES: Readonly<Record<RevocationReason, CrlReasonName>> = {
  retired: 'cessationOfOperation',
  superseded: 'superseded',
};

/**
 * Reads a serial (hex, optionally with colons, as proxies print it) or a SHA-256 fingerprint
 * (64 hex digits); `undefined` for anything else. Serials shorter than ours (16 bytes) are
 * left-padded, since printers drop leading zeros.
 */
export function parseCertificateName(text: string): CertificateName | undefined {
  const hex = text.replaceAll(':', '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) return undefined;
  if (hex.length === 64) return { fingerprint: hex };
  if (hex.length > 40) return undefined; // RFC 5280 §4.1.2.2: at most 20 octets
  return { serial: hex.padStart(32, '0') };
}

interface TenantCrl extends PublishedCrl {
  /** The revocation mark it was issued for: a new revocation makes it stale. */
  readonly mark: string;
  /** When it is reissued even without a revocation: half a period, so it never nears nextUpdate. */
  readonly refreshAt: number;
}

/**
 * The tenant's published revocation data: a CRL signed by its device CA, reissued only when a
 * revocation lands or half its period has passed (one cheap query per request otherwise), and
 * signed per-certificate statuses. The CA key is opened once per tenant and kept in this
 * instance; nothing lives in module scope.
 */
export function createPkiService(ctx: Pick<ServiceContext, 'db' | 'box' | 'now'>, options: PkiOptions = {}) {
  const crlPeriodMs = (options.crlPeriodSeconds ?? 3600) * 1000;
  const statusPeriodMs = (options.statusPeriodSeconds ?? 300) * 1000;
  const signers = new Map<string, Promise<CrlSigner>>();
  const crls = new Map<string, TenantCrl>();
  const lastNumbers = new Map<string, number>();
  const statusCacheSize = options.statusCacheSize ?? 10_000;
  /** Signed statuses by tenant, certificate name and revocation mark, reused until half their period. */
  const statuses = new Map<string, { status: SignedCertificateStatus; reuseUntil: number }>();

  /** The tenant's CA opened for signing; `not_found` for a tenant that does not exist. */
  function signerOf(tenantId: string): Promise<CrlSigner> {
    let signer = signers.get(tenantId);
    if (signer === undefined) {
      signer = (async () => {
        // Find-only: these routes are public, so a tenant without a device CA (no device ever
        // enrolled) is 404 rather than a key generation and a CA row written for any caller.
        const ca = await findOpenDeviceCa(ctx, tenantId);
        if (ca === undefined) throw errors.notFound('device CA of this tenant');
        return openCrlSigner(ca.certPem, ca.privateKeyPkcs8);
      })();
      signers.set(tenantId, signer);
      // A failure (no such tenant, database down) is not remembered.
      signer.catch(() => signers.delete(tenantId));
    }
    return signer;
  }

  async function issueCrl(tenantId: string, signer: CrlSigner, mark: string): Promise<TenantCrl> {
    const now = ctx.now();
    // The CRL number is the issue time in milliseconds, and above the last this node issued:
    // it increases across reissues and across nodes that share a clock, without a counter row.
    const number = Math.max(now.getTime(), (lastNumbers.get(tenantId) ?? 0) + 1);
    lastNumbers.set(tenantId, number);
    const [revoked, legacy] = await Promise.all([
      listRevokedCertificates(ctx.db.db, tenantId),
      listRetiredDevicesWithoutRevocation(ctx.db.db, tenantId),
    ]);
    const entries: CrlEntry[] = [
      ...revoked.map((row) => ({
        serial: row.serial,
        revokedAt: new Date(row.revoked_at),
        reason: REASON_NAMES[row.reason],
      })),
      ...legacy.map((row) => ({
        serial: row.serial,
        revokedAt: new Date(row.revokedAt),
        reason: REASON_NAMES.retired,
      })),
    ];
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000); // CRL times are whole seconds
    const nextUpdate = new Date(thisUpdate.getTime() + crlPeriodMs);
    const crl = await createDeviceCrl({ signer, entries, thisUpdate, nextUpdate, number });
    return {
      der: Buffer.from(crl.rawData),
      pem: crlPem(crl.rawData),
      number,
      thisUpdate,
      nextUpdate,
      mark,
      refreshAt: thisUpdate.getTime() + crlPeriodMs / 2,
    };
  }

  return {
    /** The service's clock (what `Cache-Control` is computed against). */
    now: ctx.now,

    /** The tenant's current CRL; `not_found` for an unknown tenant. */
    async crl(tenantId: string): Promise<PublishedCrl> {
      const signer = await signerOf(tenantId);
      const found = await findRevocationMark(ctx.db.db, tenantId);
      // Revocations are only ever added, so the count moves with every new one (the latest time
      // alone would not: two may share a millisecond). Legacy retired devices never change.
      const mark = `${found.count}|${found.last ?? ''}`;
      const cached = crls.get(tenantId);
      if (cached !== undefined && cached.mark === mark && ctx.now().getTime() < cached.refreshAt)
        return cached;
      const issued = await issueCrl(tenantId, signer, mark);
      const latest = crls.get(tenantId);
      // Two requests may issue at once: keep the higher number.
      if (latest === undefined || latest.number < issued.number) crls.set(tenantId, issued);
      return issued;
    },

    /**
     * The signed status of the tenant's certificate named by `name` (hex serial or SHA-256
     * fingerprint): revoked, good (a device holds it), or unknown, which is also the answer for a
     * certificate of another tenant.
     */
    async status(tenantId: string, name: string): Promise<SignedCertificateStatus> {
      const parsed = parseCertificateName(name);
      if (parsed === undefined) throw errors.invalid('expected a hex serial or a SHA-256 fingerprint');
      const signer = await signerOf(tenantId);
      // A status is signed once per (tenant, certificate, revocation mark) and reused while it is
      // fresh: a revocation changes the mark, so a revoked certificate is never answered from cache.
      const found = await findRevocationMark(ctx.db.db, tenantId);
      const key = JSON.stringify([tenantId, parsed, found.count, found.last]);
      const cached = statuses.get(key);
      if (cached !== undefined && ctx.now().getTime() < cached.reuseUntil) return cached.status;
      const known = await findTenantCertificate(ctx.db.db, tenantId, parsed);
      const now = ctx.now();
      const status: CertificateStatus = {
        status: known === undefined ? 'unknown' : known.revokedAt === null ? 'good' : 'revoked',
        tenantId,
        serial: known?.serial ?? ('serial' in parsed ? parsed.serial : null),
        fingerprintSha256: known?.fingerprint ?? ('fingerprint' in parsed ? parsed.fingerprint : null),
        revokedAt: known?.revokedAt ?? null,
        reason: known?.reason == null ? null : REASON_NAMES[known.reason],
        thisUpdate: now.toISOString(),
        nextUpdate: new Date(now.getTime() + statusPeriodMs).toISOString(),
      };
      const signed = { ...status, jws: await signWithCa(signer, CERT_STATUS_JWS_TYPE, status) };
      statuses.delete(key);
      // Bounded: past the size the oldest entry goes (a Map iterates in insertion order).
      while (statuses.size >= statusCacheSize) {
        const oldest = statuses.keys().next();
        if (oldest.done === true) break;
        statuses.delete(oldest.value);
      }
      statuses.set(key, { status: signed, reuseUntil: now.getTime() + statusPeriodMs / 2 });
      return signed;
    },
  };
}

/** The PKI service's type, for `Services`. */
export type PkiService = ReturnType<typeof createPkiService>;
