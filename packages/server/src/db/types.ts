import type { Generated } from 'kysely';

/**
 * Table types. Portable column types only (text, integer), so one set of migrations runs on SQLite
 * and PostgreSQL: times are ISO 8601 UTC strings (they sort as text), JSON documents are text.
 */
export interface TenantsTable {
  id: string;
  name: string;
  created_at: string;
}

export type Role = 'owner' | 'admin' | 'analyst' | 'helpdesk';

export interface AdminsTable {
  tenant_id: string;
  id: string;
  email: string;
  role: Role;
  created_at: string;
}

export interface ApiTokensTable {
  tenant_id: string;
  id: string;
  name: string;
  role: Role;
  /** First characters of the token, indexed for lookup; the rest is only known as a hash. */
  prefix: string;
  /** Hex SHA-256 of the whole token. */
  hash: string;
  admin_id: string | null;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface EnrollmentTokensTable {
  tenant_id: string;
  id: string;
  prefix: string;
  hash: string;
  ownership: 'corporate' | 'personal';
  /** JSON array of group names. */
  groups: string;
  expires_at: string;
  /** Null means unlimited. */
  uses_left: number | null;
  max_uses: number | null;
  created_by: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface DeviceCasTable {
  tenant_id: string;
  cert_pem: string;
  /** AES-256-GCM sealed PKCS#8 private key (see crypto/secret-box.ts). */
  key_sealed: string;
  created_at: string;
}

export interface DevicesTable {
  tenant_id: string;
  id: string;
  platform: 'android' | 'ios';
  ownership: 'corporate' | 'personal';
  user: string | null;
  groups: string;
  name: string | null;
  model: string | null;
  manufacturer: string | null;
  os_version: string | null;
  public_key_jwk: string;
  cert_serial: string;
  cert_fingerprint: string;
  enrollment_token_id: string | null;
  enrolled_at: string;
  last_seen_at: string | null;
  agent_version: string | null;
  risk_level: 'secured' | 'low' | 'medium' | 'high';
  compliance_state: 'unknown' | 'compliant' | 'in-grace-period' | 'noncompliant';
  labels: string;
  retired_at: string | null;
  noncompliant_since: string | null;
  /** Sequence number of the device's last `device.state-changed` event (0: none yet). */
  state_sequence: Generated<number>;
  /**
   * When the device's state may next change with time alone (engine `reevaluateAt`); `null`: never
   * (no enabled policy has a time-based rule for it). Read by the state timer.
   */
  reevaluate_at: string | null;
}

export interface DeviceNoncesTable {
  tenant_id: string;
  device_id: string;
  nonce: string;
  expires_at: string;
}

export interface SnapshotsTable {
  tenant_id: string;
  device_id: string;
  snapshot: string;
  /** SHA-256 of `snapshot` (base64url); `null` for rows stored before migration 0007. */
  digest: string | null;
  updated_at: string;
}

export interface ReportsTable {
  tenant_id: string;
  device_id: string;
  report_id: string;
  received_at: string;
  outcome: string;
}

export type ThreatState = 'active' | 'resolved' | 'ignored';

export interface ThreatsTable {
  tenant_id: string;
  id: string;
  device_id: string;
  key: string;
  type_id: string;
  class: string;
  risk: string;
  /**
   * The risk before the tenant's overrides (detector instance risk or catalog default); `null` on
   * rows stored before migration 0014 that an override covered (read as the catalog default).
   */
  default_risk: string | null;
  state: ThreatState;
  title: string;
  summary: string;
  evidence: string;
  attack: string;
  family: string | null;
  remediation: string;
  first_seen: string;
  last_seen: string;
  resolved_at: string | null;
}

export interface DeviceHistoryTable {
  tenant_id: string;
  id: string;
  device_id: string;
  at: string;
  kind: string;
  details: string;
}

export interface ThreatTypeOverridesTable {
  tenant_id: string;
  type_id: string;
  risk: string;
  updated_at: string;
}

export interface CompliancePoliciesTable {
  tenant_id: string;
  id: string;
  name: string;
  doc: string;
  created_at: string;
  updated_at: string;
}

export interface AccessPoliciesTable {
  tenant_id: string;
  id: string;
  name: string;
  state: 'on' | 'report-only' | 'off';
  doc: string;
  created_at: string;
  updated_at: string;
}

export interface ResourcesTable {
  tenant_id: string;
  id: string;
  name: string;
  kind: string;
  doc: string;
  created_at: string;
}

export interface IntelFeedsTable {
  tenant_id: string;
  id: string;
  name: string;
  format: string;
  version: string | null;
  digest: string | null;
  counts: string;
  imported_at: string;
  content: string | null;
  path: string | null;
  /** JSON `ParseContext` the feed was parsed with (family / category from the files beside it), or null. */
  parse_context: string | null;
}

export interface SettingsTable {
  tenant_id: string;
  key: string;
  value: string;
  updated_at: string;
}

export interface AuditLogTable {
  tenant_id: string;
  seq: number;
  prev_hash: string;
  hash: string;
  actor: string;
  action: string;
  target: string | null;
  details: string;
  at: string;
}

/** A tenant's signed audit pruning boundary (`audit/audit-prune.ts`). */
export interface AuditPruneMarkersTable {
  tenant_id: string;
  seq: number;
  hash: string;
  at: string;
  key_id: string;
  sig: string;
}

/** A deployment-wide signing key; the private key is sealed (`server_keys`). */
export interface ServerKeysTable {
  name: string;
  algorithm: string;
  public_key_pem: string;
  key_sealed: string;
  created_at: string;
}

export interface OutboxTable {
  tenant_id: string;
  id: string;
  topic: string;
  payload: string;
  attempts: Generated<number>;
  next_attempt_at: string;
  delivered_at: string | null;
  last_error: string | null;
  created_at: string;
}

export interface AttestationChallengesTable {
  tenant_id: string;
  /** SHA-256 (hex) of the challenge bytes. */
  challenge_hash: string;
  device_id: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface DeviceAttestationsTable {
  tenant_id: string;
  device_id: string;
  verdict: string;
  /** JSON: the verification summary (verdict, reasons, attested facts). */
  summary: string;
  checked_at: string;
}

/** Where a stored intel feed is fetched from and how its fetches went (migration 0017). */
export interface IntelFeedUpstreamsTable {
  tenant_id: string;
  feed_id: string;
  /** `file` (one document), `misp` (a MISP feed: manifest.json + event files), `taxii` (a TAXII 2.1 collection). */
  kind: string;
  url: string;
  format: string | null;
  /** TAXII: the collection id under the api root `url`. */
  collection: string | null;
  interval_seconds: number;
  max_bytes: number;
  /** Expected SHA-256 (hex) of the document (`file` only). */
  sha256: string | null;
  /** `none`, `basic` or `bearer`. */
  auth: string;
  username: string | null;
  /** The password or token, sealed with the secret box (context `intel-upstream:<tenant>:<feed>`). */
  secret_sealed: string | null;
  etag: string | null;
  last_modified: string | null;
  /** TAXII: the `X-TAXII-Date-Added-Last` of the last page taken (the next `added_after`). */
  cursor: string | null;
  last_fetch_at: string | null;
  last_success_at: string | null;
  /** `updated`, `not-modified` or `error`. */
  last_status: string | null;
  last_error: string | null;
  last_error_at: string | null;
  fetches: number;
  failures: number;
  next_fetch_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
}

/** Version of each kind of state nodes keep copies of (see `cluster/cluster-sync.ts`). */
export interface ClusterVersionsTable {
  scope: string;
  version: number;
}

/** A tenant's proxy credential (`rgps_…`): the hash of the secret, the tenant and identity header it binds. */
export interface ProxyCredentialsTable {
  tenant_id: string;
  id: string;
  name: string;
  /** Which proxy's identity header the credential reads: `nginx`, `traefik`, `caddy`, `envoy`. */
  integration: string;
  secret_hash: string;
  created_by: string;
  created_at: string;
}

/** A host pattern (`mail.example.com`, `*.example.com`, lower case) claimed by one tenant's resources. */
export interface AccessHostClaimsTable {
  host: string;
  tenant_id: string;
}

/** The whole database, as Kysely sees it. */
/** An admin's single-use permission to re-enroll a device without its current key. */
export interface ReenrollmentApprovalsTable {
  tenant_id: string;
  id: string;
  device_id: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  consumed_at: string | null;
}

/** Why a device certificate was revoked. */
export type RevocationReason = 'retired' | 'superseded';

/** A revoked device certificate (serial: hex; fingerprint: lower-case hex SHA-256 of the DER). */
export interface RevokedCertificatesTable {
  tenant_id: string;
  serial: string;
  fingerprint: string;
  device_id: string;
  reason: RevocationReason;
  revoked_at: string;
}

export interface Database {
  tenants: TenantsTable;
  audit_prune_markers: AuditPruneMarkersTable;
  admins: AdminsTable;
  api_tokens: ApiTokensTable;
  enrollment_tokens: EnrollmentTokensTable;
  device_cas: DeviceCasTable;
  devices: DevicesTable;
  device_nonces: DeviceNoncesTable;
  snapshots: SnapshotsTable;
  reports: ReportsTable;
  threats: ThreatsTable;
  device_history: DeviceHistoryTable;
  threat_type_overrides: ThreatTypeOverridesTable;
  compliance_policies: CompliancePoliciesTable;
  access_policies: AccessPoliciesTable;
  resources: ResourcesTable;
  proxy_credentials: ProxyCredentialsTable;
  access_host_claims: AccessHostClaimsTable;
  intel_feeds: IntelFeedsTable;
  settings: SettingsTable;
  audit_log: AuditLogTable;
  outbox: OutboxTable;
  server_keys: ServerKeysTable;
  cluster_versions: ClusterVersionsTable;
  intel_feed_upstreams: IntelFeedUpstreamsTable;
  attestation_challenges: AttestationChallengesTable;
  device_attestations: DeviceAttestationsTable;
  reenrollment_approvals: ReenrollmentApprovalsTable;
  revoked_certificates: RevokedCertificatesTable;
  mdm_webhooks: MdmWebhooksTable;
  mdm_devices: MdmDevicesTable;
}

/** A tenant's MDM webhook (docs/mdm.md): the secret's SHA-256 and what to do with a new device. */
export interface MdmWebhooksTable {
  tenant_id: string;
  secret_hash: string;
  /** 1: a device the MDM reports for the first time becomes a Riskgate device; 0: it is ignored. */
  auto_create: number;
  /** Ownership of the devices it creates. */
  ownership: 'corporate' | 'personal';
  created_at: string;
  updated_at: string;
}

/** An MDM's device (UDID, serial number) mapped to a Riskgate device of the tenant. */
export interface MdmDevicesTable {
  tenant_id: string;
  udid: string;
  serial_number: string | null;
  device_id: string;
  /** 1/0 from DeviceInformation `IsSupervised`; `null` until reported. */
  supervised: number | null;
  created_at: string;
  last_event_at: string;
  /** When the MDM said the device left it (CheckOut). */
  checked_out_at: string | null;
}
