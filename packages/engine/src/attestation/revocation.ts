/**
 * Google's attestation status list (https://android.googleapis.com/attestation/status):
 * `{"entries": {"<serial, lower-case hex, no leading zeros>": {"status": "REVOKED"|"SUSPENDED", …}}}`.
 * Keys made only of digits are still hex (Google compares them with `serialNumber.toString(16)`).
 */
import { normalizeSerial } from './chain.ts';
import type { RevocationEntry, RevocationList } from './types.ts';

/** The status list text is not in the documented format. */
export class RevocationListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RevocationListError';
  }
}

const STATUSES: ReadonlySet<string> = new Set(['REVOKED', 'SUSPENDED']);
const HEX = /^[0-9a-fA-F]+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown, field: string, serial: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new RevocationListError(`entry ${serial}: ${field} must be a string`);
  return value;
}

function toEntry(serial: string, value: unknown): RevocationEntry {
  if (!isRecord(value)) throw new RevocationListError(`entry ${serial} is not an object`);
  const status = value.status;
  if (typeof status !== 'string' || !STATUSES.has(status)) {
    throw new RevocationListError(`entry ${serial}: status must be REVOKED or SUSPENDED`);
  }
  const reason = optionalString(value.reason, 'reason', serial);
  const expires = optionalString(value.expires, 'expires', serial);
  const comment = optionalString(value.comment, 'comment', serial);
  return {
    status: status as RevocationEntry['status'],
    ...(reason === undefined ? {} : { reason }),
    ...(expires === undefined ? {} : { expires }),
    ...(comment === undefined ? {} : { comment }),
  };
}

/**
 * Parses a status list (the JSON text, or the already-parsed JSON value). Serial keys are
 * normalised (lower-case, leading zeros dropped) so lookups are exact. Throws
 * `RevocationListError` on anything that is not the documented shape: a list that silently
 * parsed as empty would accept revoked keys.
 */
export function parseRevocationList(json: unknown): RevocationList {
  let document: unknown = json;
  if (typeof json === 'string') {
    try {
      document = JSON.parse(json);
    } catch (error) {
      throw new RevocationListError(
        `status list is not JSON: ${error instanceof Error ? error.message : error}`,
      );
    }
  }
  if (!isRecord(document) || !isRecord(document.entries)) {
    throw new RevocationListError('status list must be an object with an "entries" object');
  }
  const entries = new Map<string, RevocationEntry>();
  for (const [serial, value] of Object.entries(document.entries)) {
    if (!HEX.test(serial))
      throw new RevocationListError(`entry key ${JSON.stringify(serial)} is not a hex serial`);
    entries.set(normalizeSerial(serial), toEntry(serial, value));
  }
  return { entries };
}

/** An empty list, for callers that have not loaded one (verification then skips nothing else). */
export const EMPTY_REVOCATION_LIST: RevocationList = { entries: new Map() };
