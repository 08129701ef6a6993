import { AppIntelCheck } from './app.ts';
import { AppProvenanceCheck, checkPermissions } from './app-rules.ts';
import type { DetectorContext, Finding } from './types.ts';

/**
 * The per-app detectors in one pass over the apps (what `assess` runs): malicious apps (intel),
 * then, for non-system apps, provenance and dangerous permissions. The same findings as
 * `detectMaliciousApps`, `detectAppProvenance` and `detectDangerousPermissions` together (app by
 * app rather than detector by detector; `assess` orders detections itself), with each app field
 * read once: app objects come in many shapes, so every read is a megamorphic load.
 */
export function detectAppThreats({ snapshot, intel, settings }: DetectorContext): Finding[] {
  const malicious = new AppIntelCheck(intel);
  const provenance = new AppProvenanceCheck(settings);
  const findings: Finding[] = [];
  for (const app of snapshot.apps) {
    const { system } = app;
    malicious.check(app, system, findings);
    if (system === true) continue;
    provenance.check(app, findings);
    checkPermissions(app, findings);
  }
  return findings;
}
