import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { type Snapshot, SnapshotSchema } from '@riskgate/engine';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { appendAudit } from '../audit/audit-service.ts';
import { actorOf, type Principal, requirePermission } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { hashToken, tokenMatches } from '../crypto/tokens.ts';
import { NEW_DEVICE_STATE } from '../device-state/initial.ts';
import { AppError, errors } from '../errors.ts';
import { newId } from '../ids.ts';
import { insertDeviceHistory } from '../queries/device-history.ts';
import { type DeviceRow, findDeviceById, insertDevice } from '../queries/devices.ts';
import {
  deleteMdmWebhook,
  findMdmDevice,
  findMdmWebhook,
  insertMdmDevice,
  type MdmDeviceRow,
  type MdmWebhookRow,
  updateMdmDevice,
  upsertMdmWebhook,
} from '../queries/mdm.ts';
import { findSnapshot } from '../queries/reports.ts';
import type { ReportService } from '../reports/report-service.ts';
import { findUnsafeText, unsafeTextMessage } from '../validation.ts';
import { emptyIosSnapshot, mergeCommandResult, readCommandResult } from './command-results.ts';
import type { MdmWebhookEvent, MdmWebhookReply } from './mdm-webhook-event.ts';
import { malformed, type PlistDict, parseDevicePlist, read } from './plist.ts';

/** The webhook configuration as the admin API shows it (the secret only once, when minted). */
export interface MdmWebhookView {
  readonly configured: boolean;
  readonly path: string;
  readonly autoCreate: boolean;
  readonly ownership: 'corporate' | 'personal';
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

/** What a tenant id can look like (`ten_…`); anything else names no tenant. */
const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Secrets are `rgmw_` + 256 random bits (base64url); stored as their SHA-256. */
const SECRET_MARKER = 'rgmw_';
/** A hash compared against when the tenant has no webhook, so both cases take the same time. */
const NO_SECRET_HASH = hashToken('no webhook configured');

function viewOf(tenantId: string, row: MdmWebhookRow | undefined): MdmWebhookView {
  const path = `/v1/mdm/${tenantId}/webhook`;
  if (row === undefined) return { configured: false, path, autoCreate: false, ownership: 'corporate' };
  return {
    configured: true,
    path,
    autoCreate: Number(row.auto_create) === 1,
    ownership: row.ownership,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A UUID made from the event's identity, so a replayed event is the same report (report-service dedup). */
function reportIdOf(tenantId: string, udid: string, eventKey: string): string {
  const hex = createHash('sha256').update(`mdm\n${tenantId}\n${udid}\n${eventKey}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A public key no one holds the private half of: an MDM-made device has no agent, so no signed
 * device request can ever name it (device authentication refuses every signature as bad).
 */
function unusableDeviceKey(): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  return JSON.stringify({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y });
}

function decodePayload(raw: string | null | undefined, field: string): PlistDict {
  if (raw === undefined || raw === null || raw === '') throw malformed(field, 'missing');
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length === 0) throw malformed(field, 'not base64');
  return parseDevicePlist(bytes, field);
}

/** What the enrollment's Authenticate check-in says about the device. */
function checkinFacts(payload: PlistDict): { serial?: string; osVersion?: string; model?: string } {
  const serial = read.optionalString(payload.SerialNumber, 'raw_payload.SerialNumber');
  const osVersion = read.optionalString(payload.OSVersion, 'raw_payload.OSVersion');
  const model = read.optionalString(payload.ProductName, 'raw_payload.ProductName');
  return {
    ...(serial === undefined || serial === '' ? {} : { serial: serial.slice(0, 64) }),
    ...(osVersion === undefined || osVersion === '' ? {} : { osVersion: osVersion.slice(0, 32) }),
    ...(model === undefined || model === '' ? {} : { model: model.slice(0, 128) }),
  };
}

/**
 * The MDM webhook (issue 15.2, docs/mdm.md): per-tenant secret and settings (admin API), and the
 * events an Apple MDM server (NanoMDM / MicroMDM) posts. Command results of InstalledApplicationList,
 * DeviceInformation, SecurityInfo and ProfileList each replace their part of the device's latest
 * snapshot, which is then ingested as a report of the device (the one ingest path: assessment,
 * threat diff, one state transition with cause `report`).
 */
export function createMdmService(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  deps: { readonly reports: Pick<ReportService, 'ingestReport'> },
) {
  const { db, dialect } = ctx.db;
  const checkSnapshot = TypeCompiler.Compile(SnapshotSchema);

  /** Runs `write` and its audit entry in one transaction. */
  async function audited(
    principal: Principal,
    action: string,
    details: Record<string, unknown>,
    write: (trx: typeof db) => Promise<void>,
  ) {
    await db.transaction().execute(async (trx) => {
      await write(trx);
      await appendAudit(trx, dialect, {
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        action,
        target: principal.tenantId,
        details,
        at: ctx.now().toISOString(),
      });
    });
  }

  /** Creates the Riskgate device and the mapping for a UDID seen the first time. */
  async function createMappedDevice(
    webhook: MdmWebhookRow,
    udid: string,
    facts: { serial?: string; osVersion?: string; model?: string },
  ): Promise<MdmDeviceRow> {
    const tenantId = webhook.tenant_id;
    const at = ctx.now().toISOString();
    const deviceId = newId('dev');
    const mapping: MdmDeviceRow = {
      tenant_id: tenantId,
      udid,
      serial_number: facts.serial ?? null,
      device_id: deviceId,
      supervised: null,
      created_at: at,
      last_event_at: at,
      checked_out_at: null,
    };
    const created = await db.transaction().execute(async (trx) => {
      if (!(await insertMdmDevice(trx, mapping))) return false; // another event created it first
      await insertDevice(trx, {
        tenant_id: tenantId,
        id: deviceId,
        platform: 'ios',
        ownership: webhook.ownership,
        user: null,
        groups: '[]',
        name: null,
        model: facts.model ?? null,
        manufacturer: 'Apple',
        os_version: facts.osVersion ?? null,
        public_key_jwk: unusableDeviceKey(),
        // No certificate: values no serial lookup or fingerprint can match.
        cert_serial: `mdm-${deviceId}`,
        cert_fingerprint: `mdm:${deviceId}`,
        enrollment_token_id: null,
        enrolled_at: at,
        last_seen_at: at,
        agent_version: 'mdm',
        ...NEW_DEVICE_STATE,
      });
      await insertDeviceHistory(trx, {
        tenant_id: tenantId,
        id: newId('his'),
        device_id: deviceId,
        at,
        kind: 'enrolled',
        details: JSON.stringify({ source: 'mdm', udid }),
      });
      await appendAudit(trx, dialect, {
        tenantId,
        actor: 'mdm-webhook',
        action: 'device.create-from-mdm',
        target: deviceId,
        details: { udid, ...(facts.serial === undefined ? {} : { serialNumber: facts.serial }) },
        at,
      });
      return true;
    });
    if (created) return mapping;
    const existing = await findMdmDevice(db, tenantId, udid);
    if (existing === undefined) throw new Error('MDM device mapping vanished after a concurrent insert');
    return existing;
  }

  /** The mapping of `udid`, created when the tenant allows it; `undefined` when unknown. */
  async function mappingOf(
    webhook: MdmWebhookRow,
    udid: string,
    facts: { serial?: string; osVersion?: string; model?: string } = {},
  ): Promise<MdmDeviceRow | undefined> {
    const found = await findMdmDevice(db, webhook.tenant_id, udid);
    if (found !== undefined) return found;
    if (Number(webhook.auto_create) !== 1) return undefined;
    return createMappedDevice(webhook, udid, facts);
  }

  const unknownDevice = (udid: string): MdmWebhookReply => ({
    outcome: 'ignored',
    reason: 'unknown-device',
    message: `no Riskgate device is mapped to MDM device ${udid} and this tenant does not create devices from its MDM (autoCreate is off)`,
  });

  async function receiveCheckin(webhook: MdmWebhookRow, event: MdmWebhookEvent): Promise<MdmWebhookReply> {
    const checkin = event.checkin_event;
    if (checkin === undefined) throw malformed('checkin_event', 'missing');
    const udid = checkin.udid || checkin.enrollment_id;
    if (udid === undefined || udid === '') throw malformed('checkin_event.udid', 'missing');
    const at = ctx.now().toISOString();
    if (event.topic === 'mdm.CheckOut') {
      const found = await findMdmDevice(db, webhook.tenant_id, udid);
      if (found === undefined) return unknownDevice(udid);
      await updateMdmDevice(db, webhook.tenant_id, udid, { checked_out_at: at, last_event_at: at });
      return { outcome: 'mapped', deviceId: found.device_id, message: 'the device left the MDM' };
    }
    if (event.topic !== 'mdm.Authenticate')
      return { outcome: 'ignored', reason: 'other-topic', message: `${event.topic} carries no inventory` };
    const facts = checkinFacts(decodePayload(checkin.raw_payload, 'checkin_event.raw_payload'));
    const mapping = await mappingOf(webhook, udid, facts);
    if (mapping === undefined) return unknownDevice(udid);
    await updateMdmDevice(db, webhook.tenant_id, udid, {
      last_event_at: at,
      checked_out_at: null,
      ...(facts.serial === undefined ? {} : { serial_number: facts.serial }),
    });
    return { outcome: 'mapped', deviceId: mapping.device_id };
  }

  async function receiveResult(webhook: MdmWebhookRow, event: MdmWebhookEvent): Promise<MdmWebhookReply> {
    const ack = event.acknowledge_event;
    if (ack === undefined) throw malformed('acknowledge_event', 'missing');
    const udid = ack.udid || ack.enrollment_id;
    if (udid === undefined || udid === '') throw malformed('acknowledge_event.udid', 'missing');
    if (ack.status !== 'Acknowledged')
      return { outcome: 'ignored', reason: 'not-acknowledged', message: `command status ${ack.status}` };
    const payload = decodePayload(ack.raw_payload, 'acknowledge_event.raw_payload');
    const result = readCommandResult(payload);
    if (result === undefined)
      return {
        outcome: 'ignored',
        reason: 'other-command',
        message: 'not a result of InstalledApplicationList, DeviceInformation, SecurityInfo or ProfileList',
      };
    const serial = result.command === 'DeviceInformation' ? result.serialNumber : undefined;
    const mapping = await mappingOf(webhook, udid, serial === undefined ? {} : { serial });
    if (mapping === undefined) return unknownDevice(udid);
    return oneAtATime(`${webhook.tenant_id}\n${mapping.device_id}`, () =>
      mergeAndIngest(webhook, event, ack, udid, mapping, result, serial),
    );
  }

  /**
   * Results of one device are merged one after the other on this node: each reads the snapshot
   * the previous one stored (two results merged from the same old snapshot would lose one part).
   * Nodes do not coordinate this; NanoMDM handles one device's connection at a time.
   */
  const running = new Map<string, Promise<unknown>>();
  function oneAtATime<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = running.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    running.set(key, settled);
    void settled.then(() => {
      if (running.get(key) === settled) running.delete(key);
    });
    return next;
  }

  async function mergeAndIngest(
    webhook: MdmWebhookRow,
    event: MdmWebhookEvent,
    ack: NonNullable<MdmWebhookEvent['acknowledge_event']>,
    udid: string,
    mapping: MdmDeviceRow,
    result: NonNullable<ReturnType<typeof readCommandResult>>,
    serial: string | undefined,
  ): Promise<MdmWebhookReply> {
    const tenantId = webhook.tenant_id;
    const device: DeviceRow | undefined = await findDeviceById(db, tenantId, mapping.device_id);
    if (device === undefined || device.retired_at !== null)
      return {
        outcome: 'ignored',
        reason: 'device-retired',
        message: `device ${mapping.device_id} is retired`,
      };

    const at = ctx.now().toISOString();
    const stored = await findSnapshot(db, tenantId, device.id);
    const base =
      stored === undefined
        ? emptyIosSnapshot({ osVersion: device.os_version, model: device.model }, at)
        : (JSON.parse(stored) as Snapshot);
    const snapshot = mergeCommandResult(base, result, at);
    if (!checkSnapshot.Check(snapshot)) {
      const first = checkSnapshot.Errors(snapshot).First();
      throw malformed(
        'acknowledge_event.raw_payload',
        `the ${result.command} result gives an invalid snapshot (${first?.path ?? ''}: ${first?.message ?? 'invalid'})`,
      );
    }
    const unsafe = findUnsafeText(snapshot, 'raw_payload');
    if (unsafe !== undefined) throw new AppError('invalid_request', unsafeTextMessage(unsafe));

    // NanoMDM leaves event_id empty; the command UUID names one command's one result.
    const eventKey =
      ack.command_uuid ||
      event.event_id ||
      createHash('sha256')
        .update(ack.raw_payload ?? '')
        .digest('hex');
    const outcome = await deps.reports.ingestReport(device, {
      reportId: reportIdOf(tenantId, udid, eventKey),
      kind: 'full',
      snapshot,
    });
    await updateMdmDevice(db, tenantId, udid, {
      last_event_at: at,
      ...(serial === undefined ? {} : { serial_number: serial }),
      ...(result.command === 'DeviceInformation' && result.supervised !== undefined
        ? { supervised: result.supervised ? 1 : 0 }
        : {}),
    });
    return {
      outcome: outcome.duplicate ? 'duplicate' : 'ingested',
      deviceId: device.id,
      command: result.command,
      riskLevel: outcome.riskLevel,
      complianceState: outcome.compliance.state,
    };
  }

  return {
    /**
     * Checks a presented webhook secret for the tenant in constant time (also when the tenant has
     * no webhook, or does not exist); throws `unauthorized` unless it matches.
     */
    async authenticate(tenantId: string, secret: string | undefined): Promise<MdmWebhookRow> {
      // Checked before any query: the path is not validated yet (this runs before the body is read),
      // and PostgreSQL refuses text with NUL (the fuzz suite's 500).
      const webhook = TENANT_ID.test(tenantId) ? await findMdmWebhook(db, tenantId) : undefined;
      const presented = secret ?? '';
      const matches = tokenMatches(presented, webhook?.secret_hash ?? NO_SECRET_HASH);
      if (webhook === undefined || !matches || !presented.startsWith(SECRET_MARKER))
        throw new AppError('unauthorized', 'missing or wrong MDM webhook secret');
      return webhook;
    },

    /** Handles one webhook event of an authenticated tenant. */
    async receive(webhook: MdmWebhookRow, event: MdmWebhookEvent): Promise<MdmWebhookReply> {
      if (event.topic === 'mdm.Connect') return receiveResult(webhook, event);
      if (event.checkin_event !== undefined) return receiveCheckin(webhook, event);
      return { outcome: 'ignored', reason: 'other-topic', message: `topic ${event.topic} is not read` };
    },

    async get(principal: Principal): Promise<MdmWebhookView> {
      requirePermission(principal, 'settings:read');
      return viewOf(principal.tenantId, await findMdmWebhook(db, principal.tenantId));
    },

    /**
     * Creates or changes the tenant's webhook. A new secret is minted when there is none or when
     * asked (`rotateSecret`), and returned this once.
     */
    async configure(
      principal: Principal,
      input: {
        readonly autoCreate: boolean;
        readonly ownership: 'corporate' | 'personal';
        readonly rotateSecret?: boolean;
      },
    ): Promise<MdmWebhookView & { readonly secret?: string }> {
      requirePermission(principal, 'settings:write');
      const existing = await findMdmWebhook(db, principal.tenantId);
      const at = ctx.now().toISOString();
      const secret =
        existing === undefined || input.rotateSecret === true
          ? `${SECRET_MARKER}${randomBytes(32).toString('base64url')}`
          : undefined;
      const row: MdmWebhookRow = {
        tenant_id: principal.tenantId,
        secret_hash: secret === undefined ? (existing?.secret_hash ?? '') : hashToken(secret),
        auto_create: input.autoCreate ? 1 : 0,
        ownership: input.ownership,
        created_at: existing?.created_at ?? at,
        updated_at: at,
      };
      await audited(
        principal,
        'mdm-webhook.configure',
        { autoCreate: input.autoCreate, ownership: input.ownership, secretRotated: secret !== undefined },
        (trx) => upsertMdmWebhook(trx, row),
      );
      return { ...viewOf(principal.tenantId, row), ...(secret === undefined ? {} : { secret }) };
    },

    async remove(principal: Principal): Promise<void> {
      requirePermission(principal, 'settings:write');
      await audited(principal, 'mdm-webhook.delete', {}, async (trx) => {
        if (!(await deleteMdmWebhook(trx, principal.tenantId))) throw errors.notFound('MDM webhook');
      });
    },
  };
}

export type MdmService = ReturnType<typeof createMdmService>;
