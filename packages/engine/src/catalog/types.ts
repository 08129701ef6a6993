import type { Platform, ThreatClass, ThreatRisk } from '../types.ts';

/**
 * One entry of the threat catalog. Remediation steps are templates: `{app}`, `{host}`, `{ssid}`…
 * are filled from the finding's `params` (see `renderRemediation`).
 */
export interface ThreatType {
  /** `<class>.<kebab-name>`, e.g. `app.stalkerware`. Stable: stored in threats and overrides. */
  readonly id: string;
  readonly class: ThreatClass;
  /** Short admin- and user-facing title. */
  readonly title: string;
  readonly defaultRisk: ThreatRisk;
  /** MITRE ATT&CK for Mobile technique ids (`T1430`, `T1417.002`). */
  readonly attack: readonly string[];
  /** Admin-facing description: what it is and why it matters. */
  readonly description: string;
  /** End-user steps in plain words; templates with `{param}` placeholders. */
  readonly remediation: readonly string[];
  /** Platforms the threat applies to; both when absent. */
  readonly platforms?: readonly Platform[];
}
