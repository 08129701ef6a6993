import type { App, DeviceInfo, Integrity, IosProfile, Snapshot } from '@riskgate/engine';
import { malformed, type PlistDict, type PlistValue, read } from './plist.ts';

/**
 * Apple MDM command results (the device's acknowledgement plist) turned into parts of a Riskgate
 * snapshot. One function per command; each fills the fields its command reports and nothing else,
 * so the results of several commands merge into one snapshot (docs/mdm.md).
 * Keys and meanings: Apple Developer Documentation, Device Management, "…Response" pages of
 * InstalledApplicationListCommand, DeviceInformationCommand, SecurityInfoCommand, ProfileListCommand.
 */
export type MdmCommandResult =
  | {
      readonly command: 'DeviceInformation';
      readonly device: Partial<Pick<DeviceInfo, 'osVersion' | 'osBuild' | 'model'>>;
      readonly serialNumber?: string;
      readonly supervised?: boolean;
    }
  | { readonly command: 'SecurityInfo'; readonly integrity: Pick<Integrity, 'screenLock' | 'encrypted'> }
  | {
      readonly command: 'InstalledApplicationList';
      readonly apps: readonly App[];
      readonly jailbreakIndicators: readonly string[];
    }
  | { readonly command: 'ProfileList'; readonly profiles: readonly IosProfile[] };

/** The command results this endpoint reads, by the key that holds each one's answer. */
export const RESULT_KEYS = [
  'InstalledApplicationList',
  'QueryResponses',
  'SecurityInfo',
  'ProfileList',
] as const;

/**
 * Apps whose presence means the device is (or was made) jailbroken: package managers and
 * jailbreak tools that App Store review never lets in (bundle ids as the tools ship them).
 */
const JAILBREAK_BUNDLE_IDS: ReadonlySet<string> = new Set([
  'com.saurik.Cydia',
  'org.coolstar.SileoStore',
  'org.coolstar.sileo',
  'xyz.willy.Zebra',
  'science.xnu.undecimus',
  'kjc.loader',
  'com.opa334.Dopamine',
  'com.opa334.TrollStore',
  'me.apptapp.installer',
  'com.tigisoftware.Filza',
]);

const APP_ID = /^[A-Za-z0-9_.-]{1,255}$/;

/** Non-empty text cut to `max` characters, or `undefined`. */
function text(value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed.slice(0, max);
}

function installedApps(list: PlistValue[]): { apps: App[]; jailbreakIndicators: string[] } {
  const apps: App[] = [];
  const jailbreakIndicators: string[] = [];
  const seen = new Set<string>();
  list.forEach((entry, index) => {
    const where = `InstalledApplicationList[${index}]`;
    const app = read.dict(entry, where);
    const id = read.string(app.Identifier, `${where}.Identifier`);
    if (!APP_ID.test(id)) throw malformed(`${where}.Identifier`, 'not a bundle identifier');
    if (seen.has(id)) return;
    seen.add(id);
    const name = text(read.optionalString(app.Name, `${where}.Name`), 256);
    const version = text(
      read.optionalString(app.ShortVersion, `${where}.ShortVersion`) ??
        read.optionalString(app.Version, `${where}.Version`),
      128,
    );
    const beta = read.optionalBoolean(app.BetaApp, `${where}.BetaApp`);
    const adHoc = read.optionalBoolean(app.AdHocCodeSigned, `${where}.AdHocCodeSigned`);
    const vendable = read.optionalBoolean(app.AppStoreVendable, `${where}.AppStoreVendable`);
    const installer =
      beta === true
        ? 'testflight'
        : adHoc === true
          ? 'developer'
          : vendable === true
            ? 'app-store'
            : undefined;
    apps.push({
      id,
      ...(name === undefined ? {} : { name }),
      ...(version === undefined ? {} : { version }),
      ...(installer === undefined ? {} : { installer }),
    });
    if (JAILBREAK_BUNDLE_IDS.has(id)) jailbreakIndicators.push(`jailbreak app installed: ${id}`);
  });
  return { apps, jailbreakIndicators };
}

function deviceInformation(answers: PlistDict): MdmCommandResult {
  const where = (key: string) => `QueryResponses.${key}`;
  const osVersion = text(read.optionalString(answers.OSVersion, where('OSVersion')), 32);
  const osBuild = text(read.optionalString(answers.BuildVersion, where('BuildVersion')), 64);
  // ProductName is the hardware identifier (`iPhone14,2`), what OS feeds list supported devices by.
  const model = text(read.optionalString(answers.ProductName, where('ProductName')), 128);
  const serialNumber = text(read.optionalString(answers.SerialNumber, where('SerialNumber')), 64);
  const supervised = read.optionalBoolean(answers.IsSupervised, where('IsSupervised'));
  return {
    command: 'DeviceInformation',
    device: {
      ...(osVersion === undefined ? {} : { osVersion }),
      ...(osBuild === undefined ? {} : { osBuild }),
      ...(model === undefined ? {} : { model }),
    },
    ...(serialNumber === undefined ? {} : { serialNumber }),
    ...(supervised === undefined ? {} : { supervised }),
  };
}

/** Bit 2 of HardwareEncryptionCaps: file-level (Data Protection) hardware encryption. */
const FILE_LEVEL_ENCRYPTION = 2;

function securityInfo(info: PlistDict): MdmCommandResult {
  const passcode = read.optionalBoolean(info.PasscodePresent, 'SecurityInfo.PasscodePresent');
  const caps = read.optionalInteger(info.HardwareEncryptionCaps, 'SecurityInfo.HardwareEncryptionCaps');
  // Data Protection keys are wrapped with the passcode: without one, files are not protected.
  const encrypted =
    passcode === undefined || caps === undefined
      ? undefined
      : passcode && (caps & FILE_LEVEL_ENCRYPTION) !== 0;
  return {
    command: 'SecurityInfo',
    integrity: {
      ...(passcode === undefined ? {} : { screenLock: passcode }),
      ...(encrypted === undefined ? {} : { encrypted }),
    },
  };
}

function profileList(list: PlistValue[]): MdmCommandResult {
  const profiles = list.map((entry, index): IosProfile => {
    const where = `ProfileList[${index}]`;
    const profile = read.dict(entry, where);
    const identifier = text(read.string(profile.PayloadIdentifier, `${where}.PayloadIdentifier`), 255);
    if (identifier === undefined) throw malformed(`${where}.PayloadIdentifier`, 'empty');
    const uuid = text(read.optionalString(profile.PayloadUUID, `${where}.PayloadUUID`), 64);
    const displayName = text(
      read.optionalString(profile.PayloadDisplayName, `${where}.PayloadDisplayName`),
      256,
    );
    const organization = text(
      read.optionalString(profile.PayloadOrganization, `${where}.PayloadOrganization`),
      256,
    );
    const managed = read.optionalBoolean(profile.IsManaged, `${where}.IsManaged`);
    const content =
      profile.PayloadContent === undefined
        ? []
        : read.array(profile.PayloadContent, `${where}.PayloadContent`);
    const payloadTypes = [
      ...new Set(
        content.map((payload, i) =>
          read.string(
            read.dict(payload, `${where}.PayloadContent[${i}]`).PayloadType,
            `${where}.PayloadContent[${i}].PayloadType`,
          ),
        ),
      ),
    ]
      .map((type) => text(type, 255))
      .filter((type): type is string => type !== undefined)
      .slice(0, 64);
    return {
      identifier,
      ...(uuid === undefined ? {} : { uuid }),
      ...(displayName === undefined ? {} : { displayName }),
      ...(organization === undefined ? {} : { organization }),
      ...(payloadTypes.length === 0 ? {} : { payloadTypes }),
      ...(managed === undefined ? {} : { managed }),
    };
  });
  return { command: 'ProfileList', profiles };
}

/**
 * The result of one acknowledged command, or `undefined` when the plist answers none of the four
 * commands this endpoint reads (other commands' results are acknowledged and ignored).
 */
export function readCommandResult(payload: PlistDict): MdmCommandResult | undefined {
  if (payload.InstalledApplicationList !== undefined) {
    const { apps, jailbreakIndicators } = installedApps(
      read.array(payload.InstalledApplicationList, 'InstalledApplicationList'),
    );
    return { command: 'InstalledApplicationList', apps, jailbreakIndicators };
  }
  if (payload.QueryResponses !== undefined)
    return deviceInformation(read.dict(payload.QueryResponses, 'QueryResponses'));
  if (payload.SecurityInfo !== undefined)
    return securityInfo(read.dict(payload.SecurityInfo, 'SecurityInfo'));
  if (payload.ProfileList !== undefined) return profileList(read.array(payload.ProfileList, 'ProfileList'));
  return undefined;
}

/** What an MDM-made snapshot starts from when the device has none yet. */
export function emptyIosSnapshot(
  facts: { osVersion?: string | null; model?: string | null },
  at: string,
): Snapshot {
  return {
    schemaVersion: 1,
    collectedAt: at,
    device: {
      platform: 'ios',
      // Unknown until DeviceInformation (or the enrollment's Authenticate) says: matches no OS intel.
      osVersion: facts.osVersion ?? 'unknown',
      model: facts.model ?? 'unknown',
      manufacturer: 'Apple',
      agentVersion: 'mdm',
    },
    integrity: {},
    apps: [],
    // An MDM does not see the device's network: no Wi-Fi, DNS, proxy or VPN state.
    network: { connection: 'unknown' },
  };
}

/** `base` with one command's part replaced by `result`; everything else stays as it was. */
export function mergeCommandResult(base: Snapshot, result: MdmCommandResult, at: string): Snapshot {
  const next: Snapshot = { ...base, collectedAt: at, device: { ...base.device, agentVersion: 'mdm' } };
  switch (result.command) {
    case 'DeviceInformation':
      return { ...next, device: { ...next.device, ...result.device } };
    case 'SecurityInfo': {
      const integrity: Integrity = { ...next.integrity };
      delete integrity.screenLock;
      delete integrity.encrypted;
      return { ...next, integrity: { ...integrity, ...result.integrity } };
    }
    case 'InstalledApplicationList': {
      const integrity: Integrity = { ...next.integrity };
      delete integrity.jailbroken;
      delete integrity.rootIndicators;
      if (result.jailbreakIndicators.length > 0) {
        integrity.jailbroken = true;
        integrity.rootIndicators = result.jailbreakIndicators.slice(0, 100);
      }
      return { ...next, integrity, apps: [...result.apps] };
    }
    case 'ProfileList':
      return { ...next, network: { ...next.network, iosProfiles: [...result.profiles] } };
  }
}
