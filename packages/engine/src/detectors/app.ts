import { APP_THREAT_BY_CATEGORY, findThreatType } from '../catalog/catalog.ts';
import type { App } from '../schema/app.ts';
import type { Evidence, IndicatorHit, IndicatorKind, IntelLookup } from '../types.ts';
import { familyOf } from './evidence.ts';
import type { DetectorContext, Finding } from './types.ts';

interface AppHit {
  readonly hit: IndicatorHit;
  readonly subject: string;
  readonly observed: string;
}

/** Looks one optional app field up; appends to `hits` (allocated on the first hit only). */
function lookup(
  intel: IntelLookup,
  kind: IndicatorKind,
  value: string | undefined,
  subject: string,
  hits: AppHit[] | undefined,
): AppHit[] | undefined {
  if (value === undefined) return hits;
  const hit = intel.find(kind, value);
  if (hit === undefined) return hits;
  const list = hits ?? [];
  list.push({ hit, subject, observed: value });
  return list;
}

/**
 * Every intel hit for one app (package id, cert SHA-256, cert SHA-1, APK SHA-256, in that order),
 * or `undefined` when nothing matched: the common case, which allocates nothing. Fields are read
 * one by one (not through a key table) to keep property access monomorphic on the hot path.
 */
function lookupApp(app: App, intel: IntelLookup): AppHit[] | undefined {
  let hits = lookup(intel, 'app-id', app.id, 'app', undefined);
  hits = lookup(intel, 'cert-sha256', app.certSha256, 'certificate', hits);
  hits = lookup(intel, 'cert-sha1', app.certSha1, 'certificate', hits);
  return lookup(intel, 'file-sha256', app.fileSha256, 'apk', hits);
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
    const finding: Finding = {
      typeId,
      subject: app.id,
      summary,
      evidence,
      params: { app: name, appId: app.id },
    };
    findings.push(family ? { ...finding, family, params: { app: name, appId: app.id, family } } : finding);
  }
  return findings;
}

/** Malicious apps: an app's package id, signing certificate (SHA-1 / SHA-256) or APK hash is in intel. */
export function detectMaliciousApps({ snapshot, intel }: DetectorContext): Finding[] {
  let findings: Finding[] | undefined;
  for (const app of snapshot.apps) {
    const hits = lookupApp(app, intel);
    if (hits === undefined) continue;
    findings ??= [];
    findings.push(...findingsForHits(app, hits));
  }
  return findings ?? [];
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
