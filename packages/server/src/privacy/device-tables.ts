import type { DeviceRowMatch } from '../queries/device-rows.ts';

/**
 * Every table that holds rows about one device, how a row is tied to it, the unique column its
 * rows are paged by, the columns holding JSON text (exported parsed) and the columns never
 * exported (secrets' digests). The device export walks this list; `device-export.test.ts` scans
 * every table of the schema for rows naming a device and fails when a table is missing here.
 */
export interface DeviceTable {
  readonly table: string;
  readonly match: DeviceRowMatch | 'enrollment-tokens';
  readonly key: string;
  readonly json?: readonly string[];
  readonly omit?: readonly string[];
}

export const DEVICE_TABLES: readonly DeviceTable[] = Object.freeze([
  { table: 'devices', match: { equals: ['id'] }, key: 'id', json: ['groups', 'labels', 'public_key_jwk'] },
  // The tokens it enrolled with (found through the device row and its enrollment audit entries).
  {
    table: 'enrollment_tokens',
    match: 'enrollment-tokens',
    key: 'id',
    json: ['groups'],
    omit: ['hash', 'prefix'],
  },
  { table: 'revoked_certificates', match: { equals: ['device_id'] }, key: 'serial' },
  { table: 'reenrollment_approvals', match: { equals: ['device_id'] }, key: 'id' },
  // The Apple MDM mapping (UDID, serial number), when the device came through the MDM webhook.
  { table: 'mdm_devices', match: { equals: ['device_id'] }, key: 'udid' },
  { table: 'device_nonces', match: { equals: ['device_id'] }, key: 'nonce' },
  { table: 'snapshots', match: { equals: ['device_id'] }, key: 'device_id', json: ['snapshot'] },
  { table: 'reports', match: { equals: ['device_id'] }, key: 'report_id', json: ['outcome'] },
  {
    table: 'threats',
    match: { equals: ['device_id'] },
    key: 'id',
    json: ['evidence', 'attack', 'remediation'],
  },
  { table: 'device_history', match: { equals: ['device_id'] }, key: 'id', json: ['details'] },
  { table: 'access_log', match: { equals: ['device_id'] }, key: 'id', json: ['details'] },
  { table: 'outbox', match: { contains: ['payload'] }, key: 'id', json: ['payload'] },
  { table: 'attestation_challenges', match: { equals: ['device_id'] }, key: 'challenge_hash' },
  { table: 'device_attestations', match: { equals: ['device_id'] }, key: 'device_id', json: ['summary'] },
  {
    table: 'audit_log',
    match: { equals: ['target'], contains: ['actor', 'details'] },
    key: 'seq',
    json: ['details'],
  },
] satisfies DeviceTable[]);
