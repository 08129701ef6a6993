import { Gauge, type Registry } from 'prom-client';
import type { AttestationTrust } from './attestation-trust.ts';

/**
 * Exports the revocation list's freshness: entries in use, whether the last load/refresh failed
 * (`stale` = 1: the previous list is still in use), failures so far, and when it last loaded.
 */
export function registerAttestationMetrics(
  registry: Registry,
  trust: Pick<AttestationTrust, 'status'>,
): void {
  new Gauge({
    name: 'riskgate_attestation_revocation_entries',
    help: 'Entries of the attestation status (revocation) list in use',
    registers: [registry],
    collect() {
      this.set(trust.status().entries);
    },
  });
  new Gauge({
    name: 'riskgate_attestation_revocations_stale',
    help: '1 when the last load or refresh of the attestation status list failed (the last good list is kept)',
    registers: [registry],
    collect() {
      this.set(trust.status().stale ? 1 : 0);
    },
  });
  new Gauge({
    name: 'riskgate_attestation_revocations_refresh_failures',
    help: 'Failed loads or refreshes of the attestation status list since start',
    registers: [registry],
    collect() {
      this.set(trust.status().failures);
    },
  });
  new Gauge({
    name: 'riskgate_attestation_revocations_loaded_timestamp_seconds',
    help: 'When the attestation status list in use was last loaded or confirmed unchanged (Unix time)',
    registers: [registry],
    collect() {
      const loadedAt = trust.status().loadedAt;
      this.set(loadedAt === undefined ? 0 : Date.parse(loadedAt) / 1000);
    },
  });
}
