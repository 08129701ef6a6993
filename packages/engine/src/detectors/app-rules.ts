import type { App } from '../schema/app.ts';
import { appLabel } from './app.ts';
import type { ResolvedAssessSettings } from './settings.ts';
import type { DetectorContext, Finding } from './types.ts';

/**
 * True when the installer is known and is not an app store. `undefined` installer = unknown = not
 * flagged. Remembers the last installer checked: nearly every app of a device comes from the same
 * store, and comparing with the last string is cheaper than hashing it for the set.
 */
class SideloadCheck {
  // `''` and a flag rather than `undefined`, so that the comparison is string to string.
  private hasLast = false;
  private lastInstaller = '';
  private lastIsStore = false;
  constructor(private readonly stores: ReadonlySet<string>) {}

  /** For a non-system app's installer (read once by the caller: app reads are megamorphic). */
  isSideloaded(installer: string | null | undefined): boolean {
    if (installer === undefined) return false;
    if (installer === null) return true;
    if (!this.hasLast || installer !== this.lastInstaller) {
      this.hasLast = true;
      this.lastInstaller = installer;
      this.lastIsStore = this.stores.has(installer);
    }
    return !this.lastIsStore;
  }
}

/** Subjects of the public Android debug keystore and of the AOSP test keys (`android@android.com`). */
function isTestKeySubject(subject: string): boolean {
  const lower = subject.toLowerCase();
  return lower.includes('cn=android debug') || lower.includes('android@android.com');
}

/**
 * The provenance rules for the apps of one snapshot (settings-derived sets and the sideload memo):
 * sideloaded apps (installed by something that is not a known store) and apps with an unknown
 * signer: signed with the public debug / AOSP test keys, or sideloaded with a signer not in
 * `settings.trustedSigners` (when that list is set). Only for non-system apps.
 */
export class AppProvenanceCheck {
  private readonly trustedSigners: ReadonlySet<string>;
  private readonly sideload: SideloadCheck;

  constructor(settings: ResolvedAssessSettings) {
    this.trustedSigners = settings.lookups.trustedSigners;
    this.sideload = new SideloadCheck(settings.lookups.knownStores);
  }

  /** Adds the provenance findings of one non-system app to `findings`. */
  check(app: App, findings: Finding[]): void {
    const { installer } = app;
    const sideloaded = this.sideload.isSideloaded(installer);
    // Fast path: a store app without a certificate subject cannot raise either threat.
    if (!sideloaded && app.certSubject === undefined) return;
    const name = appLabel(app);
    if (sideloaded) {
      const shown = installer ?? 'none';
      findings.push({
        typeId: 'app.sideloaded',
        subject: app.id,
        summary: `${name} (${app.id}) installed outside an app store (installer: ${shown})`,
        evidence: [{ subject: 'app', observed: app.id, detail: { installer: shown } }],
        params: { app: name, appId: app.id },
      });
    }
    const testKey = app.certSubject !== undefined && isTestKeySubject(app.certSubject);
    const untrusted =
      sideloaded &&
      this.trustedSigners.size > 0 &&
      (app.certSha256 === undefined || !this.trustedSigners.has(app.certSha256.toLowerCase()));
    if (testKey || untrusted) {
      findings.push({
        typeId: 'app.unknown-signer',
        subject: app.id,
        summary: testKey
          ? `${name} (${app.id}) is signed with a public test/debug key`
          : `${name} (${app.id}) is signed by a certificate the organisation does not trust`,
        evidence: [
          {
            subject: 'certificate',
            observed: app.certSha256 ?? app.certSubject ?? 'unknown',
            detail: { certSubject: app.certSubject ?? null, testKey },
          },
        ],
        params: { app: name, appId: app.id },
      });
    }
  }
}

/** Sideloaded apps and apps with an unknown signer (see `AppProvenanceCheck`); system apps are skipped. */
export function detectAppProvenance({ snapshot, settings }: DetectorContext): Finding[] {
  const provenance = new AppProvenanceCheck(settings);
  const findings: Finding[] = [];
  for (const app of snapshot.apps) if (app.system !== true) provenance.check(app, findings);
  return findings;
}

const SMS_PERMISSIONS: ReadonlySet<string> = new Set([
  'android.permission.READ_SMS',
  'android.permission.RECEIVE_SMS',
  'android.permission.SEND_SMS',
]);
const OVERLAY_PERMISSION = 'android.permission.SYSTEM_ALERT_WINDOW';

/**
 * Dangerous combinations: an app that can read messages (SMS permission, default SMS app or
 * notification listener) AND holds at least two of accessibility service, device admin, screen
 * overlay. That is the toolset of banking trojans (overlay + accessibility + SMS codes) and
 * stalkerware (accessibility + device admin to resist removal + messages). System apps are skipped.
 * Apps without accessibility or device admin are skipped before their permissions are scanned.
 */
export function detectDangerousPermissions({ snapshot }: DetectorContext): Finding[] {
  const findings: Finding[] = [];
  for (const app of snapshot.apps) if (app.system !== true) checkPermissions(app, findings);
  return findings;
}

/** Adds the dangerous-permissions finding of one non-system app (see `detectDangerousPermissions`). */
export function checkPermissions(app: App, findings: Finding[]): void {
  const special = app.specialAccess;
  if (special === undefined) return;
  const accessibility = special.includes('accessibility');
  const deviceAdmin = special.includes('device-admin');
  if (!accessibility && !deviceAdmin) return;
  const permissions = app.permissions ?? [];
  const overlay = special.includes('overlay') || permissions.includes(OVERLAY_PERMISSION);
  const sms = special.includes('default-sms') || permissions.some((p) => SMS_PERMISSIONS.has(p));
  const notifications = special.includes('notification-listener');
  const powers = Number(accessibility) + Number(deviceAdmin) + Number(overlay);
  if (!(sms || notifications) || powers < 2) return;
  const parts = [
    accessibility ? 'accessibility service' : '',
    deviceAdmin ? 'device admin' : '',
    overlay ? 'screen overlay' : '',
    sms ? 'SMS' : '',
    notifications ? 'notification access' : '',
  ].filter((part) => part !== '');
  const combination = parts.join(' + ');
  const name = appLabel(app);
  findings.push({
    typeId: 'app.dangerous-permissions',
    subject: app.id,
    summary: `${name} (${app.id}) holds ${combination}`,
    evidence: [{ subject: 'permissions', observed: app.id, detail: { combination } }],
    params: { app: name, appId: app.id, combination },
  });
}
