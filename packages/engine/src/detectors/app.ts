import { APP_THREAT_BY_CATEGORY, findThreatType } from '../catalog/catalog.ts';
import type { App } from '../schema/app.ts';
import type { Evidence, IndicatorHit, IntelLookup } from '../types.ts';
import { familyOf } from './evidence.ts';
import type { DetectorContext, Finding } from './types.ts';

interface AppHit {
  readonly hit: IndicatorHit;
  readonly subject: string;
  readonly observed: string;
}

/** Appends one hit to `hits` (allocated on the first hit only). */
function collect(
  hits: AppHit[] | undefined,
  hit: IndicatorHit | undefined,
  subject: string,
  observed: string,
): AppHit[] | undefined {
  if (hit === undefined) return hits;
  const list = hits ?? [];
  list.push({ hit, subject, observed });
  return list;
}

/**
 * The last system app's signer certificate of one hash kind and its hit, for one snapshot: the
 * system apps of a device (dozens) share the platform certificate, so consecutive system apps
 * nearly always repeat the value. Other apps mostly have a signer of their own, and there comparing
 * with the last value would cost about as much as the lookup it might save, so they are looked up
 * directly. Lookups are pure, so reusing the hit changes nothing. The value starts as `''` with a
 * flag (not `undefined`), so that the comparison is always string to string.
 */
class LastSignerLookup {
  private has = false;
  private value = '';
  private hit: IndicatorHit | undefined = undefined;
  constructor(private readonly kind: 'cert-sha256' | 'cert-sha1') {}

  /** The hit of a system app's signer. */
  of(intel: IntelLookup, value: string): IndicatorHit | undefined {
    if (!this.has || value !== this.value) {
      this.has = true;
      this.value = value;
      this.hit = intel.find(this.kind, value);
    }
    return this.hit;
  }
}

/** The signer memos of one snapshot, one per hash kind. */
class SignerMemo {
  readonly sha256 = new LastSignerLookup('cert-sha256');
  readonly sha1 = new LastSignerLookup('cert-sha1');
}

/**
 * Every intel hit for one app (package id, cert SHA-256, cert SHA-1, APK SHA-256 / SHA-1 / MD5, in that order),
 * or `undefined` when nothing matched: the common case, which allocates nothing. Fields are read
 * by name (not through a key table), once each.
 */
function lookupApp(
  app: App,
  system: boolean | undefined,
  intel: IntelLookup,
  signers: SignerMemo,
): AppHit[] | undefined {
  // Each field is read once: app objects come in many shapes, so every read is a megamorphic load.
  const { id, certSha256, certSha1, fileSha256, fileSha1, fileMd5 } = app;
  let hits = collect(undefined, intel.find('app-id', id), 'app', id);
  if (certSha256 !== undefined) {
    const hit =
      system === true ? signers.sha256.of(intel, certSha256) : intel.find('cert-sha256', certSha256);
    hits = collect(hits, hit, 'certificate', certSha256);
  }
  if (certSha1 !== undefined) {
    const hit = system === true ? signers.sha1.of(intel, certSha1) : intel.find('cert-sha1', certSha1);
    hits = collect(hits, hit, 'certificate', certSha1);
  }
  if (fileSha256 !== undefined)
    hits = collect(hits, intel.find('file-sha256', fileSha256), 'apk', fileSha256);
  // Reports often list only an APK's SHA-1 or MD5; agents send them when they hash the file.
  if (fileSha1 !== undefined) hits = collect(hits, intel.find('file-sha1', fileSha1), 'apk', fileSha1);
  if (fileMd5 !== undefined) hits = collect(hits, intel.find('file-md5', fileMd5), 'apk', fileMd5);
  return hits;
}

/** Human name of an app for summaries and remediation. */
export function appLabel(app: App): string {
  return app.name ?? app.id;
}

/** Turns an app's intel hits into one finding per threat type (category), evidence grouped. */
function findingsForHits(app: App, hits: readonly AppHit[]): Finding[] {
  const byType = new Map<string, Evidence[]>();
  for (const { hit, subject, observed } of hits) {
    for (const provenance of hit.provenance) {
      const typeId = APP_THREAT_BY_CATEGORY[provenance.category];
      const list = byType.get(typeId) ?? [];
      list.push({ subject, observed, indicatorKind: hit.kind, indicator: hit.value, provenance });
      byType.set(typeId, list);
    }
  }
  const findings: Finding[] = [];
  const name = appLabel(app);
  for (const [typeId, evidence] of byType) {
    const family = familyOf(evidence);
    const title = findThreatType(typeId)?.title ?? typeId;
    const summary = family
      ? `${family}: ${title.toLowerCase()} (${app.id})`
      : `${title}: ${name} (${app.id})`;
    // Two literals rather than a spread of the first (a spread copies through the slow clone path).
    findings.push(
      family
        ? { typeId, subject: app.id, summary, evidence, params: { app: name, appId: app.id, family }, family }
        : { typeId, subject: app.id, summary, evidence, params: { app: name, appId: app.id } },
    );
  }
  return findings;
}

/**
 * The intel checks of the apps of one snapshot: each app's indicators looked up (system apps'
 * signers through the memo) and turned into findings.
 */
export class AppIntelCheck {
  private readonly signers = new SignerMemo();
  constructor(private readonly intel: IntelLookup) {}

  /** Adds the findings of one app; `system` is its `system` flag (read once by the caller). */
  check(app: App, system: boolean | undefined, findings: Finding[]): void {
    const hits = lookupApp(app, system, this.intel, this.signers);
    if (hits !== undefined) for (const finding of findingsForHits(app, hits)) findings.push(finding);
  }
}

/** Malicious apps: an app's package id, signing certificate (SHA-1 / SHA-256) or APK hash (SHA-256 / SHA-1 / MD5) is in intel. */
export function detectMaliciousApps({ snapshot, intel }: DetectorContext): Finding[] {
  const malicious = new AppIntelCheck(intel);
  const findings: Finding[] = [];
  for (const app of snapshot.apps) malicious.check(app, app.system, findings);
  return findings;
}

/** Spyware processes (MVT `process:name` indicators) seen running on the device. */
export function detectMaliciousProcesses({ snapshot, intel }: DetectorContext): Finding[] {
  const findings: Finding[] = [];
  for (const name of snapshot.processes ?? []) {
    const hit = intel.find('process', name);
    if (hit === undefined) continue;
    const byType = new Map<string, Evidence[]>();
    for (const provenance of hit.provenance) {
      const typeId = provenance.category === 'stalkerware' ? 'app.stalkerware' : 'app.spyware';
      const list = byType.get(typeId) ?? [];
      list.push({
        subject: 'process',
        observed: name,
        indicatorKind: 'process',
        indicator: hit.value,
        provenance,
      });
      byType.set(typeId, list);
    }
    for (const [typeId, evidence] of byType) {
      const family = familyOf(evidence);
      findings.push({
        typeId,
        subject: `process:${name}`,
        ...(family ? { family } : {}),
        summary: `${family ?? 'Spyware'} process running (${name})`,
        evidence,
        params: { app: name, ...(family ? { family } : {}) },
      });
    }
  }
  return findings;
}
