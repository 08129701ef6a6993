import type { DeviceModelQuery } from './device-eol.ts';
import type { AndroidPatchScope, DeviceModelName, EolCycle, IosRelease, KevEntry } from './types.ts';

/**
 * An exploited Android vulnerability: a CISA KEV entry joined (by CVE) with the Android OSV / CVE 5
 * records that say which versions it affects and which patch level fixes it.
 */
export interface ExploitedAndroidVulnerability {
  readonly cveId: string;
  readonly kev: KevEntry;
  /** Affected Android major versions (`12`, `12L`…); empty means every version. */
  readonly androidVersions: readonly string[];
  /** The device is exposed while its security patch level is before this `YYYY-MM-DD`. */
  readonly fixedPatchLevel: string;
  readonly scope: AndroidPatchScope;
  /** Feeds the join used, e.g. `['cisa-kev', 'cvelist']`. */
  readonly feeds: readonly string[];
  /** Record ids joined (`ASB-A-…`, `CVE-…`). */
  readonly records: readonly string[];
  readonly reference?: string;
}

/** An iOS release that fixed actively exploited CVEs (from SOFA, with KEV marking CVEs exploited too). */
export interface ExploitedIosRelease {
  readonly release: IosRelease;
  readonly exploitedCves: readonly string[];
}

/** The OS-level intel the OS detectors query (vulnerabilities and end-of-life data). */
export interface OsIntel {
  /** KEV entry by CVE id (upper-case). */
  kev(cveId: string): KevEntry | undefined;
  /** Exploited Android vulnerabilities with a known fixing patch level. */
  readonly exploitedAndroid: readonly ExploitedAndroidVulnerability[];
  /** iOS releases (newest first) of one major line (`17`) that fixed exploited CVEs. */
  exploitedIosReleases(major: string): readonly ExploitedIosRelease[];
  /** Every known iOS release of one major line, newest first. */
  iosReleases(major: string): readonly IosRelease[];
  /** endoflife.date cycles of a product (`android`, `ios`, `pixel`, `samsung-mobile`, `iphone`…). */
  eolCycles(product: string): readonly EolCycle[];
  /**
   * The endoflife.date cycle of an OS line: `android` by normalized major (`12L`, `13`), `ios` and
   * `ipados` by major (`17`). Built once with the intel.
   */
  osEolCycle(product: 'android' | 'ios' | 'ipados', major: string): EolCycle | undefined;
  /** The endoflife.date cycles of a device model (see `findDeviceEolCycles`); empty when unknown. */
  deviceEolCycles(device: DeviceModelQuery): readonly EolCycle[];
  /** Marketing name of an Apple model identifier (`iPhone14,2` → `iPhone 13 Pro`). */
  deviceModelName(id: string): string | undefined;
  /** The feed ids that contributed OS data, e.g. `{ kev: 'cisa-kev', sofa: 'sofa', eol: 'endoflife.date' }`. */
  readonly feeds: Readonly<{ kev?: string; kevVersion?: string; sofa?: string; eol?: string }>;
  readonly deviceModels: readonly DeviceModelName[];
}
