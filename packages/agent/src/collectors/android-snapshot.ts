import type { App, Integrity, Snapshot } from '@riskgate/engine';
import { androidVersionOfSdk } from './android-parts.ts';
import { createCoverage } from './coverage.ts';
import type { CollectedSnapshot, CollectOptions } from './types.ts';

/** What an Android source read, each part with the file it came from (undefined: not in the acquisition). */
export interface AndroidParts {
  readonly props?: { readonly file: string; readonly values: ReadonlyMap<string, string> };
  /** API level from `dumpsys package` when getprop does not say the version. */
  readonly sdkVersion?: { readonly file: string; readonly value: number };
  readonly apps?: { readonly file: string; readonly values: readonly App[]; readonly hashes: boolean };
  readonly rootBinaries?: { readonly file: string; readonly values: readonly string[] };
  readonly settings?: {
    readonly file: string;
    readonly developerOptions?: boolean;
    readonly usbDebugging?: boolean;
    readonly unknownSources?: boolean;
    readonly appVerification?: boolean;
  };
  readonly processes?: { readonly file: string; readonly values: readonly string[] };
  /** `getenforce` output (AndroidQF's `selinux.txt`). */
  readonly selinux?: { readonly file: string; readonly value: 'enforcing' | 'permissive' | 'disabled' };
}

const VERIFIED_BOOT: ReadonlySet<string> = new Set(['green', 'yellow', 'orange', 'red']);
const UNKNOWN = 'unknown';

/**
 * Builds an Android snapshot from what a source could read and says, field by field, what it
 * filled and from which file, and what it could not fill and why. Required schema fields that no
 * file gives (OS version, model, manufacturer) are `unknown` and listed as missing.
 */
export function assembleAndroidSnapshot(
  source: CollectedSnapshot['source'],
  parts: AndroidParts,
  options: CollectOptions,
): CollectedSnapshot {
  const coverage = createCoverage();
  const props = parts.props?.values ?? new Map<string, string>();
  const propsFile = parts.props?.file;
  const prop = (name: string): string | undefined => {
    const value = props.get(name)?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const noProps = propsFile === undefined ? 'no getprop output in the acquisition' : undefined;
  const fromProp = (field: string, name: string): string | undefined => {
    const value = prop(name);
    if (value !== undefined && propsFile !== undefined) coverage.fill(field, `${propsFile} [${name}]`);
    else coverage.miss(field, noProps ?? `${propsFile} has no [${name}]`);
    return value;
  };

  let osVersion = prop('ro.build.version.release');
  if (osVersion !== undefined && propsFile !== undefined)
    coverage.fill('device.osVersion', `${propsFile} [ro.build.version.release]`);
  else {
    const sdk = parts.sdkVersion;
    const derived = sdk === undefined ? undefined : androidVersionOfSdk(sdk.value);
    if (sdk !== undefined && derived !== undefined) {
      osVersion = derived;
      coverage.fill('device.osVersion', `${sdk.file} (sdkVersion=${sdk.value})`);
    } else
      coverage.miss(
        'device.osVersion',
        `${noProps ?? `${propsFile} has no [ro.build.version.release]`}${
          sdk === undefined ? '' : ` and sdkVersion=${sdk.value} is not a known API level`
        }`,
      );
  }
  const model = fromProp('device.model', 'ro.product.model');
  const manufacturer = fromProp('device.manufacturer', 'ro.product.manufacturer');
  const patch = fromProp('device.securityPatch', 'ro.build.version.security_patch');
  const buildId = fromProp('device.osBuild', 'ro.build.id');
  const fingerprint = fromProp('device.buildFingerprint', 'ro.build.fingerprint');
  const locked = fromProp('integrity.bootloaderLocked', 'ro.boot.flash.locked');
  const boot = fromProp('integrity.verifiedBootState', 'ro.boot.verifiedbootstate');
  const crypto = fromProp('integrity.encrypted', 'ro.crypto.state');
  const bootSelinux = prop('ro.boot.selinux');
  const selinux =
    parts.selinux?.value ??
    (bootSelinux === 'enforcing' || bootSelinux === 'permissive' ? bootSelinux : undefined);
  if (parts.selinux !== undefined) coverage.fill('integrity.selinux', parts.selinux.file);
  else if (selinux !== undefined && propsFile !== undefined)
    coverage.fill('integrity.selinux', `${propsFile} [ro.boot.selinux]`);
  else coverage.miss('integrity.selinux', 'no selinux.txt (getenforce) and no [ro.boot.selinux]');

  const rootIndicators: string[] = [];
  if (prop('ro.debuggable') === '1') rootIndicators.push('ro.debuggable=1');
  if (prop('ro.secure') === '0') rootIndicators.push('ro.secure=0');
  const tags = prop('ro.build.tags');
  if (tags?.includes('test-keys')) rootIndicators.push(`ro.build.tags=${tags}`);
  for (const path of parts.rootBinaries?.values ?? [])
    rootIndicators.push(`root binary at ${path}`.slice(0, 256));
  if (rootIndicators.length > 0)
    coverage.fill('integrity.rooted', [propsFile, parts.rootBinaries?.file].filter(Boolean).join(', '));
  else
    coverage.miss(
      'integrity.rooted',
      parts.rootBinaries === undefined
        ? 'no root_binaries.json and no root sign in getprop (an unrooted device cannot be proven)'
        : `${parts.rootBinaries.file} lists no root binary: not proof the device is unrooted`,
    );

  const settings = parts.settings;
  const setting = (field: keyof NonNullable<AndroidParts['settings']>, key: string): boolean | undefined => {
    const value = settings?.[field];
    if (typeof value === 'boolean' && settings !== undefined)
      coverage.fill(`integrity.${field}`, `${settings.file} (${key})`);
    else
      coverage.miss(
        `integrity.${field}`,
        settings === undefined ? 'no settings output in the acquisition' : `${settings.file} has no ${key}`,
      );
    return typeof value === 'boolean' ? value : undefined;
  };
  const developerOptions = setting('developerOptions', 'development_settings_enabled');
  const usbDebugging = setting('usbDebugging', 'adb_enabled');
  const unknownSources = setting('unknownSources', 'install_non_market_apps');
  const appVerification = setting('appVerification', 'package_verifier_enable');
  coverage.miss('integrity.screenLock', 'not in any file an Android acquisition holds');
  coverage.miss('integrity.attestation', 'an acquisition carries no key attestation');

  const integrity: Integrity = {
    ...(rootIndicators.length === 0 ? {} : { rooted: true, rootIndicators: rootIndicators.slice(0, 100) }),
    ...(locked === undefined ? {} : { bootloaderLocked: locked === '1' }),
    ...(boot === undefined
      ? {}
      : { verifiedBootState: VERIFIED_BOOT.has(boot) ? (boot as 'green') : 'unknown' }),
    ...(selinux === undefined ? {} : { selinux }),
    ...(developerOptions === undefined ? {} : { developerOptions }),
    ...(usbDebugging === undefined ? {} : { usbDebugging }),
    ...(unknownSources === undefined ? {} : { unknownSources }),
    ...(appVerification === undefined ? {} : { appVerification }),
    ...(crypto === undefined ? {} : { encrypted: crypto === 'encrypted' }),
  };

  const apps = parts.apps;
  if (apps === undefined)
    coverage.miss('apps', 'no package list in the acquisition (packages.json or dumpsys package)');
  else {
    coverage.fill('apps', apps.file);
    if (apps.hashes) coverage.fill('apps[].fileSha256, fileSha1, fileMd5, certSha256, certSha1', apps.file);
    else {
      coverage.miss('apps[].fileSha256', `${apps.file} holds no APK hashes (AndroidQF's packages.json does)`);
      coverage.miss('apps[].fileSha1', `${apps.file} holds no APK hashes`);
      coverage.miss('apps[].fileMd5', `${apps.file} holds no APK hashes`);
      if (!apps.values.some((app) => app.certSha256 !== undefined))
        coverage.miss(
          'apps[].certSha256',
          `${apps.file} prints only signature hash codes, not certificate digests`,
        );
    }
  }
  if (parts.processes === undefined) coverage.miss('processes', 'no ps output in the acquisition');
  else coverage.fill('processes', parts.processes.file);
  coverage.miss('network', 'an acquisition of files does not record the live network (Wi-Fi, VPN, DNS)');

  const snapshot: Snapshot = {
    schemaVersion: 1,
    collectedAt: options.now,
    device: {
      platform: 'android',
      osVersion: (osVersion ?? UNKNOWN).slice(0, 32),
      model: (model ?? UNKNOWN).slice(0, 128),
      manufacturer: (manufacturer ?? UNKNOWN).slice(0, 128),
      agentVersion: options.agentVersion,
      ...(buildId === undefined ? {} : { osBuild: buildId.slice(0, 64) }),
      ...(patch !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(patch) ? { securityPatch: patch } : {}),
      ...(fingerprint === undefined ? {} : { buildFingerprint: fingerprint.slice(0, 512) }),
    },
    integrity,
    apps: (apps?.values ?? []).slice(0, 5000),
    network: { connection: 'unknown' },
    ...(parts.processes === undefined ? {} : { processes: [...parts.processes.values] }),
  };
  return { source, snapshot, coverage: coverage.result(), warnings: [] };
}
