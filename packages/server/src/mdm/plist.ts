import { parseBuffer } from 'bplist-parser';
import { parse as parseXmlPlist } from 'plist';
import { AppError } from '../errors.ts';

/** A property-list value as both parsers give it. */
export type PlistValue = string | number | bigint | boolean | Date | Buffer | PlistValue[] | PlistDict;
export interface PlistDict {
  readonly [key: string]: PlistValue;
}

/** Largest decoded plist accepted (an InstalledApplicationList of 5,000 apps is about 3 MB of XML). */
export const MAX_PLIST_BYTES = 8 * 1024 * 1024;

const BINARY_MAGIC = Buffer.from('bplist00', 'latin1');

/** A 400 naming where in the payload the problem is. */
export function malformed(where: string, problem: string): AppError {
  return new AppError('invalid_request', `malformed MDM payload at ${where}: ${problem}`);
}

function isDict(value: unknown): value is PlistDict {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !Buffer.isBuffer(value)
  );
}

/**
 * Parses a device's plist (what NanoMDM / MicroMDM pass on as `raw_payload`): XML (what devices
 * send) or binary (`bplist00`), through the `plist` and `bplist-parser` packages. The top level
 * must be a dictionary. Throws a 400 `invalid_request` naming the field on anything else.
 */
export function parseDevicePlist(bytes: Buffer, field: string): PlistDict {
  if (bytes.length === 0) throw malformed(field, 'empty');
  if (bytes.length > MAX_PLIST_BYTES) throw malformed(field, `larger than ${MAX_PLIST_BYTES} bytes`);
  let parsed: unknown;
  if (bytes.subarray(0, BINARY_MAGIC.length).equals(BINARY_MAGIC)) {
    try {
      parsed = parseBuffer(bytes)[0];
    } catch (error) {
      throw malformed(field, `binary plist does not parse (${messageOf(error)})`);
    }
  } else {
    const text = bytes.toString('utf8');
    if (text.includes('\u0000')) throw malformed(field, 'the XML holds a NUL character');
    if (!/^\s*(<\?xml[^>]*>\s*)?(<!DOCTYPE[^>]*>\s*)?<plist[\s>]/.test(text))
      throw malformed(field, 'neither an XML plist (<plist>) nor a binary plist (bplist00)');
    try {
      parsed = parseXmlPlist(text);
    } catch (error) {
      throw malformed(field, `XML plist does not parse (${messageOf(error)})`);
    }
  }
  if (!isDict(parsed)) throw malformed(field, 'the top level is not a dictionary');
  return parsed;
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // Parser messages may quote the input: keep them short and on one line.
  return text.replace(/\s+/g, ' ').slice(0, 160);
}

/** Readers that check a key's type and name it (`InstalledApplicationList[3].Identifier`) when wrong. */
export const read = {
  dict(value: PlistValue | undefined, where: string): PlistDict {
    if (!isDict(value)) throw malformed(where, 'expected a dictionary');
    return value;
  },
  array(value: PlistValue | undefined, where: string): PlistValue[] {
    if (!Array.isArray(value)) throw malformed(where, 'expected an array');
    return value;
  },
  string(value: PlistValue | undefined, where: string): string {
    if (typeof value !== 'string') throw malformed(where, 'expected a string');
    return value;
  },
  optionalString(value: PlistValue | undefined, where: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'number') return String(value);
    return read.string(value, where);
  },
  optionalBoolean(value: PlistValue | undefined, where: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw malformed(where, 'expected a boolean');
    return value;
  },
  optionalInteger(value: PlistValue | undefined, where: string): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'bigint') return Number(value);
    if (typeof value !== 'number' || !Number.isInteger(value)) throw malformed(where, 'expected an integer');
    return value;
  },
  isDict,
};
