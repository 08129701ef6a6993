import type { App, Network, Snapshot } from '@riskgate/engine';
import { AdbParseError } from './adb-parse-error.ts';
import { parseDumpsysConnectivity, parseDumpsysWifi } from './dumpsys-network.ts';
import { type PackageDetails, parseDumpsysPackage } from './dumpsys-package.ts';
import { parseGetprop } from './getprop.ts';
import { parsePmList } from './pm-list.ts';
import { parseSettingBoolean } from './settings.ts';

/** Runs `adb shell <args…>` on one device and resolves with its stdout. */
export type AdbRunner = (args: readonly string[]) => Promise<string>;

export interface CollectOptions {
  /** Collection time (ISO 8601). */
  readonly now: string;
  readonly agentVersion: string;
  /** Parallel `dumpsys package` calls. Default 4. */
  readonly concurrency?: number;
  /**
   * Hash each user-installed app's base APK on the device (`sha256sum`, `sha1sum`, `md5sum` of
   * the path `pm list` gives; toybox has them since Android 6), so APK hashes published in reports
   * match. Off by default: it reads every APK (seconds on a phone with many apps).
   */
  readonly hashApks?: boolean;
}

/** The hashes of one APK that the device could compute. */
interface ApkHashes {
  fileSha256?: string;
  fileSha1?: string;
  fileMd5?: string;
}

const HASH_COMMANDS = [
  ['sha256sum', 'fileSha256', 64],
  ['sha1sum', 'fileSha1', 40],
  ['md5sum', 'fileMd5', 32],
] as const;

/** Runs the three hash commands on one APK; a command that fails or prints no hash adds a warning. */
async function hashApk(runner: AdbRunner, path: string, warnings: string[]): Promise<ApkHashes> {
  const hashes: ApkHashes = {};
  for (const [command, field, length] of HASH_COMMANDS) {
    try {
      const first = (await runner([command, path])).trim().split(/\s+/)[0]?.toLowerCase() ?? '';
      if (first.length === length && /^[0-9a-f]+$/.test(first)) hashes[field] = first;
      else warnings.push(`${command} ${path}: no hash in the output`);
    } catch (error) {
      warnings.push(`${command} ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return hashes;
}

/** A snapshot plus what could not be read (a package that vanished mid-scan, an odd setting). */
export interface CollectResult {
  readonly snapshot: Snapshot;
  readonly warnings: readonly string[];
}

const VERIFIED_BOOT: ReadonlySet<string> = new Set(['green', 'yellow', 'orange', 'red']);

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * Builds a `Snapshot` from a real Android device through `runner` (`getprop`, `pm list packages`,
 * `dumpsys package` for each user-installed app, `settings get`, `dumpsys wifi|connectivity`).
 * Fails with `AdbParseError` when a device-wide command's output cannot be parsed; a single
 * package that fails is kept with what `pm list` said, and a warning.
 */
export async function collectSnapshot(runner: AdbRunner, options: CollectOptions): Promise<CollectResult> {
  const warnings: string[] = [];
  const props = parseGetprop(await runner(['getprop']));
  const prop = (name: string): string | undefined => nonEmpty(props.get(name));
  const timeZone = prop('persist.sys.timezone');
  const listed = parsePmList(await runner(['pm', 'list', 'packages', '-f', '-i', '-U']));
  const userApps = listed.filter((entry) => !entry.system);
  const details = await mapLimited(userApps, options.concurrency ?? 4, async (entry) => {
    try {
      return parseDumpsysPackage(await runner(['dumpsys', 'package', entry.id]), entry.id, timeZone);
    } catch (error) {
      if (!(error instanceof AdbParseError)) throw error;
      warnings.push(error.message);
      return undefined;
    }
  });
  const byId = new Map<string, PackageDetails>();
  for (const detail of details) if (detail !== undefined) byId.set(detail.id, detail);
  const hashesById = new Map<string, ApkHashes>();
  if (options.hashApks === true) {
    const hashed = await mapLimited(userApps, options.concurrency ?? 4, (entry) =>
      hashApk(runner, entry.apkPath, warnings),
    );
    userApps.forEach((entry, i) => {
      const hashes = hashed[i];
      if (hashes !== undefined) hashesById.set(entry.id, hashes);
    });
  }

  const apps: App[] = listed.map((entry) => {
    const detail = byId.get(entry.id);
    const sha256 = detail?.certSha256[0];
    const sha1 = detail?.certSha1[0];
    const permissions = detail === undefined ? [] : detail.grantedPermissions.slice(0, 500);
    return {
      id: entry.id,
      installer: detail?.installer === undefined ? entry.installer : detail.installer,
      system: entry.system || detail?.system === true,
      ...(detail?.versionName === undefined ? {} : { version: detail.versionName.slice(0, 128) }),
      ...(sha256 === undefined ? {} : { certSha256: sha256 }),
      ...(sha1 === undefined ? {} : { certSha1: sha1 }),
      ...hashesById.get(entry.id),
      ...(permissions.length === 0 ? {} : { permissions }),
      ...(detail?.firstInstallTime === undefined ? {} : { firstInstallTime: detail.firstInstallTime }),
      ...(detail?.lastUpdateTime === undefined ? {} : { lastUpdateTime: detail.lastUpdateTime }),
    };
  });

  const setting = async (namespace: string, key: string): Promise<boolean | undefined> => {
    try {
      return parseSettingBoolean(key, await runner(['settings', 'get', namespace, key]));
    } catch (error) {
      if (!(error instanceof AdbParseError)) throw error;
      warnings.push(error.message);
      return undefined;
    }
  };
  const developerOptions = await setting('global', 'development_settings_enabled');
  const usbDebugging = await setting('global', 'adb_enabled');
  const unknownSources = await setting('secure', 'install_non_market_apps');

  const wifi = parseDumpsysWifi(await runner(['dumpsys', 'wifi']));
  const connectivity = parseDumpsysConnectivity(await runner(['dumpsys', 'connectivity']));
  const vpnProvider =
    connectivity.vpnOwnerUid === undefined
      ? undefined
      : listed.find((entry) => entry.uid === connectivity.vpnOwnerUid)?.id;
  const privateDnsMode =
    connectivity.usePrivateDns === undefined
      ? undefined
      : !connectivity.usePrivateDns
        ? 'off'
        : connectivity.privateDnsHost === undefined
          ? 'opportunistic'
          : 'strict';
  const network: Network = {
    connection: connectivity.connection,
    ...(wifi.connected && wifi.ssid !== undefined
      ? {
          wifi: {
            ssid: wifi.ssid.slice(0, 64),
            security: wifi.security ?? 'unknown',
            ...(wifi.bssid === undefined ? {} : { bssid: wifi.bssid }),
            ...(wifi.frequencyMhz === undefined ? {} : { frequencyMhz: wifi.frequencyMhz }),
          },
        }
      : {}),
    vpn: { active: connectivity.vpnActive, ...(vpnProvider === undefined ? {} : { provider: vpnProvider }) },
    ...(connectivity.proxy === undefined
      ? {}
      : {
          proxy: {
            ...connectivity.proxy,
            source: connectivity.proxy.pacUrl === undefined ? 'manual' : 'pac',
          },
        }),
    dns: {
      servers: connectivity.dnsServers.slice(0, 16),
      ...(privateDnsMode === undefined ? {} : { privateDnsMode }),
      ...(connectivity.privateDnsHost === undefined ? {} : { privateDnsHost: connectivity.privateDnsHost }),
    },
  };

  const osVersion = prop('ro.build.version.release');
  const model = prop('ro.product.model');
  const manufacturer = prop('ro.product.manufacturer');
  if (osVersion === undefined || model === undefined || manufacturer === undefined) {
    throw new AdbParseError(
      'getprop',
      'ro.build.version.release, ro.product.model or ro.product.manufacturer is missing',
    );
  }
  const patch = prop('ro.build.version.security_patch');
  const boot = prop('ro.boot.verifiedbootstate');
  const locked = prop('ro.boot.flash.locked');
  const crypto = prop('ro.crypto.state');
  const tags = prop('ro.build.tags');
  const rootIndicators: string[] = [];
  if (prop('ro.debuggable') === '1') rootIndicators.push('ro.debuggable=1');
  if (prop('ro.secure') === '0') rootIndicators.push('ro.secure=0');
  if (tags?.includes('test-keys')) rootIndicators.push(`ro.build.tags=${tags}`);
  const fingerprint = prop('ro.build.fingerprint');
  const buildId = prop('ro.build.id');

  const snapshot: Snapshot = {
    schemaVersion: 1,
    collectedAt: options.now,
    device: {
      platform: 'android',
      osVersion: osVersion.slice(0, 32),
      model: model.slice(0, 128),
      manufacturer: manufacturer.slice(0, 128),
      agentVersion: options.agentVersion,
      ...(buildId === undefined ? {} : { osBuild: buildId.slice(0, 64) }),
      ...(patch !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(patch) ? { securityPatch: patch } : {}),
      ...(fingerprint === undefined ? {} : { buildFingerprint: fingerprint.slice(0, 512) }),
    },
    integrity: {
      ...(rootIndicators.length === 0 ? {} : { rooted: true, rootIndicators }),
      ...(locked === undefined ? {} : { bootloaderLocked: locked === '1' }),
      ...(boot === undefined
        ? {}
        : { verifiedBootState: VERIFIED_BOOT.has(boot) ? (boot as 'green') : 'unknown' }),
      ...(developerOptions === undefined ? {} : { developerOptions }),
      ...(usbDebugging === undefined ? {} : { usbDebugging }),
      ...(unknownSources === undefined ? {} : { unknownSources }),
      ...(crypto === undefined ? {} : { encrypted: crypto === 'encrypted' }),
    },
    apps,
    network,
  };
  return { snapshot, warnings };
}
