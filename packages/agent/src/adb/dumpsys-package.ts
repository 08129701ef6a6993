import { AdbParseError, requireOutput } from './adb-parse-error.ts';
import { localTimeToIso } from './local-time.ts';

/** What `dumpsys package <pkg>` says about one package. */
export interface PackageDetails {
  readonly id: string;
  readonly versionName?: string;
  readonly versionCode?: number;
  /** `installerPackageName=`; null when it is `null`. Undefined when the line is missing. */
  readonly installer?: string | null;
  readonly firstInstallTime?: string;
  readonly lastUpdateTime?: string;
  readonly system: boolean;
  readonly requestedPermissions: readonly string[];
  /** Install-time and runtime permissions with `granted=true`. */
  readonly grantedPermissions: readonly string[];
  /**
   * `signatures:[…]` of `PackageSignatures{…}`: Java `hashCode`s of the signer certificates, not
   * fingerprints. Kept as evidence but never used as a certificate hash.
   */
  readonly signatureHashCodes: readonly string[];
  /** Signer certificate SHA-256 / SHA-1 digests, when the output prints them (signing-info forms). */
  readonly certSha256: readonly string[];
  readonly certSha1: readonly string[];
}

const COMMAND = 'dumpsys package';

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Lines of the `Package [id]` block of the `Packages:` section. */
function packageBlock(text: string, id: string): readonly string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const header = `Package [${id}]`;
  const start = lines.findIndex((line) => line.trimStart().startsWith(header));
  if (start < 0) {
    throw new AdbParseError(
      `${COMMAND} ${id}`,
      `no \`Package [${id}]\` section (not installed, or truncated output)`,
    );
  }
  const depth = indentOf(lines[start] ?? '');
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== '' && indentOf(line) <= depth) break;
    block.push(line);
  }
  return block;
}

/** Items of a list whose header is `title` (e.g. `requested permissions:`), more indented than it. */
function listUnder(block: readonly string[], title: string): string[] {
  const items: string[] = [];
  block.forEach((line, index) => {
    if (line.trim() !== title) return;
    const depth = indentOf(line);
    for (const item of block.slice(index + 1)) {
      if (item.trim() === '' || indentOf(item) <= depth) break;
      items.push(item.trim());
    }
  });
  return items;
}

function field(block: readonly string[], name: string): string | undefined {
  const prefix = `${name}=`;
  for (const line of block) {
    const trimmed = line.trim();
    if (trimmed.startsWith(prefix)) return trimmed.slice(prefix.length);
    // Several fields share a line: `versionCode=34 minSdk=21 targetSdk=33`.
    const match = new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(trimmed);
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
}

const DIGEST_256 = /(?:sha-?256|digest)[^\n]{0,24}?(?<![0-9a-f])([0-9a-f]{64})(?![0-9a-f])/gi;
const DIGEST_1 = /sha-?1(?![0-9])[^\n]{0,24}?(?<![0-9a-f])([0-9a-f]{40})(?![0-9a-f])/gi;

function digests(block: readonly string[], pattern: RegExp): string[] {
  const found = new Set<string>();
  for (const line of block)
    for (const match of line.matchAll(pattern)) if (match[1]) found.add(match[1].toLowerCase());
  return [...found];
}

/**
 * Parses `dumpsys package <id>` for one package: version, installer, install times (device-local,
 * converted with `timeZone`), permissions and signer information. Accepts the older
 * `signatures=PackageSignatures{… signatures:[abc123] …}` line and signing-info blocks that print
 * certificate digests (`Signing info:` / `mSigningDetails=SigningDetails{…}`).
 */
export function parseDumpsysPackage(text: string, id: string, timeZone?: string): PackageDetails {
  requireOutput(`${COMMAND} ${id}`, text);
  const block = packageBlock(text, id);
  if (field(block, 'codePath') === undefined && field(block, 'userId') === undefined) {
    throw new AdbParseError(
      `${COMMAND} ${id}`,
      'the package section has no codePath/userId: output truncated?',
    );
  }
  const versionCode = Number.parseInt(field(block, 'versionCode') ?? '', 10);
  const installerRaw = field(block, 'installerPackageName');
  const first = field(block, 'firstInstallTime');
  const last = field(block, 'lastUpdateTime');
  // `firstInstallTime=2023-05-02 14:03:11` has a space: read the whole rest of the line.
  const time = (name: string): string | undefined => {
    const line = block.find((candidate) => candidate.trim().startsWith(`${name}=`));
    return line === undefined ? undefined : localTimeToIso(line.trim().slice(name.length + 1), timeZone);
  };
  const flags = block.filter((line) => /^\s*(pkgFlags|flags)=\[/.test(line)).join(' ');
  const granted = [...listUnder(block, 'install permissions:'), ...listUnder(block, 'runtime permissions:')]
    .filter((item) => /granted=true/.test(item))
    .map((item) => item.split(':')[0] ?? item);
  const signatureLine = block.find((line) => line.includes('PackageSignatures{')) ?? '';
  const hashCodes = /signatures:\[([^\]]*)\]/.exec(signatureLine)?.[1];
  const firstIso = first === undefined ? undefined : time('firstInstallTime');
  const lastIso = last === undefined ? undefined : time('lastUpdateTime');
  return {
    id,
    ...(field(block, 'versionName') === undefined ? {} : { versionName: field(block, 'versionName') }),
    ...(Number.isInteger(versionCode) ? { versionCode } : {}),
    ...(installerRaw === undefined ? {} : { installer: installerRaw === 'null' ? null : installerRaw }),
    ...(firstIso === undefined ? {} : { firstInstallTime: firstIso }),
    ...(lastIso === undefined ? {} : { lastUpdateTime: lastIso }),
    system: /\bSYSTEM\b/.test(flags),
    requestedPermissions: [
      ...new Set(listUnder(block, 'requested permissions:').map((p) => p.split(/[:\s]/)[0] ?? p)),
    ],
    grantedPermissions: [...new Set(granted)],
    signatureHashCodes: (hashCodes ?? '')
      .split(',')
      .map((value) => value.trim())
      .filter((value) => value !== ''),
    certSha256: digests(block, DIGEST_256),
    certSha1: digests(block, DIGEST_1),
  };
}
