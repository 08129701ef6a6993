import { randomUUID } from 'node:crypto';
import { build, type PlistValue } from 'plist';

/**
 * Apple MDM command results as a device sends them, for the MDM webhook tests (docs/mdm.md).
 * Each is built from the example response on the command's page of Apple's Device Management
 * documentation, with the keys that page documents; identifiers and values are ours.
 */

export const UDID = '00008030-000A1C2E3A81802E';
export const SERIAL = 'F2LXK0ABCD12';

function envelope(commandUuid: string, body: Record<string, PlistValue>): string {
  return build({ CommandUUID: commandUuid, Status: 'Acknowledged', UDID, ...body });
}

/**
 * InstalledApplicationList. Source: https://developer.apple.com/documentation/devicemanagement/installed-application-list-command
 * ("Example request and response") and InstalledApplicationListResponse.InstalledApplicationListItem
 * (Identifier, Name, ShortVersion, Version, BundleSize, DynamicSize, IsValidated, AppStoreVendable,
 * BetaApp, AdHocCodeSigned, Installing).
 */
export function installedApplicationList(commandUuid: string, extraApps: readonly string[] = []): string {
  return envelope(commandUuid, {
    InstalledApplicationList: [
      {
        Identifier: 'com.apple.Keynote',
        Name: 'Keynote',
        ShortVersion: '14.1',
        Version: '7038.0.72',
        BundleSize: 515_506_176,
        DynamicSize: 0,
        IsValidated: true,
        AppStoreVendable: true,
        BetaApp: false,
        AdHocCodeSigned: false,
        Installing: false,
      },
      {
        Identifier: 'com.microsoft.Office.Outlook',
        Name: 'Microsoft Outlook',
        ShortVersion: '4.2420.0',
        Version: '4.2420.0',
        BundleSize: 300_000_000,
        IsValidated: true,
        AppStoreVendable: true,
      },
      {
        Identifier: 'com.example.beta',
        Name: 'Example Beta',
        ShortVersion: '0.9',
        BetaApp: true,
      },
      ...extraApps.map((id) => ({ Identifier: id, Name: `App ${id}`, ShortVersion: '1.0', Version: '1' })),
    ],
  });
}

/**
 * DeviceInformation. Source: https://developer.apple.com/documentation/devicemanagement/device-information-command
 * ("Example request and response"; QueryResponses keys of DeviceInformationResponse.QueryResponses:
 * OSVersion, BuildVersion, ProductName, Model, ModelName, SerialNumber, UDID, IsSupervised, DeviceName).
 */
export function deviceInformation(commandUuid: string, osVersion = '17.5.1', build_ = '21F90'): string {
  return envelope(commandUuid, {
    QueryResponses: {
      BuildVersion: build_,
      DeviceName: "Alice's iPhone",
      IsSupervised: true,
      Model: 'MLPF3LL/A',
      ModelName: 'iPhone',
      OSVersion: osVersion,
      ProductName: 'iPhone14,2',
      SerialNumber: SERIAL,
      UDID,
      IsActivationLockEnabled: false,
    },
  });
}

/**
 * SecurityInfo. Source: https://developer.apple.com/documentation/devicemanagement/security-info-command
 * ("Example request and response"; SecurityInfoResponse.SecurityInfo: HardwareEncryptionCaps
 * (1 block-level, 2 file-level, 3 both), PasscodePresent, PasscodeCompliant,
 * PasscodeCompliantWithProfiles, PasscodeLockGracePeriodEnforced, ManagementStatus).
 */
export function securityInfo(commandUuid: string, passcode = true): string {
  return envelope(commandUuid, {
    SecurityInfo: {
      HardwareEncryptionCaps: 3,
      PasscodeCompliant: passcode,
      PasscodeCompliantWithProfiles: passcode,
      PasscodeLockGracePeriodEnforced: 0,
      PasscodePresent: passcode,
      ManagementStatus: { EnrolledViaDEP: true, IsUserEnrollment: false, UserApprovedEnrollment: true },
    },
  });
}

/**
 * ProfileList. Source: https://developer.apple.com/documentation/devicemanagement/profile-list-command
 * ("Example request and response"; ProfileListResponse.ProfileListItem: PayloadIdentifier,
 * PayloadUUID, PayloadDisplayName, PayloadOrganization, PayloadVersion, IsManaged, IsEncrypted,
 * PayloadRemovalDisallowed, PayloadContent items with PayloadType).
 */
export function profileList(commandUuid: string): string {
  return envelope(commandUuid, {
    ProfileList: [
      {
        HasRemovalPasscode: false,
        IsEncrypted: false,
        IsManaged: true,
        PayloadContent: [
          {
            PayloadDisplayName: 'Passcode',
            PayloadIdentifier: 'com.acme.passcode',
            PayloadType: 'com.apple.mobiledevice.passwordpolicy',
            PayloadVersion: 1,
          },
          {
            PayloadDisplayName: 'Acme Root CA',
            PayloadIdentifier: 'com.acme.root',
            PayloadType: 'com.apple.security.root',
            PayloadVersion: 1,
          },
        ],
        PayloadDescription: 'Acme device settings',
        PayloadDisplayName: 'Acme Settings',
        PayloadIdentifier: 'com.acme.settings',
        PayloadOrganization: 'Acme',
        PayloadRemovalDisallowed: true,
        PayloadUUID: '7E2DB4B8-2F7B-4B3C-9E3E-3C1F7D0B1A11',
        PayloadVersion: 1,
      },
    ],
  });
}

/** An Authenticate check-in (https://developer.apple.com/documentation/devicemanagement/authenticaterequest). */
export function authenticateCheckin(udid = UDID): string {
  return build({
    MessageType: 'Authenticate',
    UDID: udid,
    SerialNumber: SERIAL,
    OSVersion: '17.5.1',
    BuildVersion: '21F90',
    ProductName: 'iPhone14,2',
    Model: 'MLPF3LL/A',
    ModelName: 'iPhone',
    Topic: 'com.apple.mgmt.External.00000000-0000-0000-0000-000000000000',
  });
}

/** A NanoMDM `mdm.Connect` event for an acknowledged command (service/microwebhook shape). */
export function connectEvent(
  plistText: string | Buffer,
  options: { udid?: string; commandUuid?: string; status?: string } = {},
) {
  const raw = Buffer.isBuffer(plistText) ? plistText : Buffer.from(plistText, 'utf8');
  return {
    topic: 'mdm.Connect',
    // NanoMDM leaves event_id empty.
    event_id: '',
    created_at: new Date().toISOString(),
    acknowledge_event: {
      udid: options.udid ?? UDID,
      status: options.status ?? 'Acknowledged',
      command_uuid: options.commandUuid ?? randomUUID(),
      raw_payload: raw.toString('base64'),
    },
  };
}

/** A NanoMDM check-in event (`mdm.Authenticate`, `mdm.CheckOut`, …). */
export function checkinEvent(topic: string, plistText: string, udid = UDID) {
  return {
    topic,
    event_id: '',
    created_at: new Date().toISOString(),
    checkin_event: { udid, url_params: null, raw_payload: Buffer.from(plistText, 'utf8').toString('base64') },
  };
}
