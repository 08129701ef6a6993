import { APP_THREAT_BY_CATEGORY, findThreatType } from '../catalog/catalog.ts';
import type { App } from '../schema/app.ts';
import type { Evidence, IndicatorHit, IndicatorKind, IntelLookup } from '../types.ts';
import { familyOf } from './evidence.ts';
import type { DetectorContext, Finding } from './types.ts';

/** The app fields looked up in intel, in order, with the evidence subject each one produces. */
const APP_LOOKUPS: readonly (readonly [keyof App, IndicatorKind, string])[] = [
  ['id', 'app-id', 'app'],
  ['certSha256', 'cert-sha256', 'certificate'],
  ['certSha1', 'cert-sha1', 'certificate'],
  ['fileSha256', 'file-sha256', 'apk'],
];

/** Every intel hit for one app, or `undefined` when nothing matched (the common, allocation-free case). */
function lookupApp(
  app: App,
  intel: IntelLookup,
): { hit: IndicatorHit; subject: string; observed: string }[] | undefined {
  let hits: { hit: IndicatorHit; subject: string; observed: string }[] | undefined;
  for (const [field, kind, subject] of APP_LOOKUPS) {
    const value = app[field];
    if (typeof value !== 'string') continue;
    const hit = intel.find(kind, value);
    if (hit === undefined) continue;
    hits ??= [];
    hits.push({ hit, subject, observed: value });
  }
  return hits;
}

/** Human name of an app for summaries and remediation. */
export function appLabel(app: App): string {
  return app.name ?? app.id;
}

/** Turns an app's intel hits into one finding per threat type (category), evidence grouped. */
function findingsForHits(
  app: App,
  hits: { hit: IndicatorHit; subject: string; observed: string }[],
): Finding[] {
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
