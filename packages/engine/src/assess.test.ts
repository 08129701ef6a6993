import { describe, expect, it } from 'vitest';
import {
  cleanAndroidSnapshot,
  cleanApp,
  cleanIosSnapshot,
  cleanNetwork,
  fakeIntel,
} from '../test-support/snapshots.ts';
import { assess } from './assess.ts';
import { findThreatType } from './catalog/catalog.ts';
import { isResolvedAssessSettings, resolveAssessSettings } from './detectors/settings.ts';
import type { Detector } from './detectors/types.ts';
import type { Snapshot } from './schema/snapshot.ts';
import type { Classification } from './types.ts';

const now = new Date('2026-11-25T18:00:00.000Z');
const intel = fakeIntel([
  [
    'app-id',
    'com.apspy.app',
    { feed: 'stalkerware-indicators', family: 'TheTruthSpy', category: 'stalkerware' },
  ],
  ['domain', 'paypal-login.example', { feed: 'blocklistproject-phishing', category: 'phishing' }],
]);

function dirtySnapshot(): Snapshot {
  const base = cleanAndroidSnapshot();
  return {
    ...base,
    integrity: { ...base.integrity, developerOptions: true, usbDebugging: true },
    apps: [...base.apps, cleanApp({ id: 'com.apspy.app', name: 'Copy9', installer: null })],
    network: cleanNetwork({ wifi: { ssid: 'Cafe', security: 'open' } }),
    visitedDomains: [
      { domain: 'Paypal-Login.example', at: '2026-11-25T17:00:00Z' },
      { domain: 'paypal-login.example', at: '2026-11-25T17:01:00Z' },
    ],
  };
}

describe('assess', () => {
  it.each([
    ['clean android', cleanAndroidSnapshot()],
    ['clean ios', cleanIosSnapshot()],
    [
      'minimal android (no optional telemetry, no attestation)',
      {
        schemaVersion: 1,
        collectedAt: '2026-11-25T18:00:00.000Z',
        device: { platform: 'android', osVersion: '15', model: 'X', manufacturer: 'Y', agentVersion: '1' },
        integrity: {},
        apps: [],
        network: { connection: 'cellular' },
      } satisfies Snapshot,
    ],
    [
      'clean android without attestation',
      cleanAndroidSnapshot({ integrity: { rooted: false, screenLock: true } }),
    ],
  ])('%s snapshot is secured with no detections', (_name, snapshot) => {
    const result = assess(snapshot, intel, {}, { now });
    expect(result.detections).toEqual([]);
    expect(result.riskLevel).toBe('secured');
    expect(result.explanation.level).toBe('secured');
  });

  it('finds every threat in a dirty snapshot, ordered by risk then key, with catalog data', () => {
    const result = assess(dirtySnapshot(), intel, {}, { now });
    expect(result.detections.map((d) => `${d.risk} ${d.key}`)).toEqual([
      'high app.stalkerware:com.apspy.app',
      'medium device.usb-debugging',
      'medium web.phishing:paypal-login.example',
      'low app.sideloaded:com.apspy.app',
      'low device.developer-options',
      'low network.open-wifi:Cafe',
    ]);
    expect(result.riskLevel).toBe('high');
    const stalkerware = result.detections[0];
    expect(stalkerware).toMatchObject({
      class: 'app',
      family: 'TheTruthSpy',
      title: findThreatType('app.stalkerware')?.title,
      attack: findThreatType('app.stalkerware')?.attack,
    });
    expect(stalkerware?.remediation.join(' ')).toContain('Uninstall Copy9');
    expect(stalkerware?.remediation.join(' ')).not.toMatch(/[{}]/);
    expect(result.explanation.drivers.map((d) => d.key)).toEqual(['app.stalkerware:com.apspy.app']);
  });

  it('is deterministic whatever the app order', () => {
    const snapshot = dirtySnapshot();
    const reversed = { ...snapshot, apps: [...snapshot.apps].reverse() };
    expect(assess(reversed, intel, {}, { now })).toEqual(assess(snapshot, intel, {}, { now }));
  });

  it('applies tenant classification by family over type, and explains it', () => {
    const classification: Classification = {
      byType: { 'app.stalkerware': 'low', 'web.phishing': 'none', 'device.usb-debugging': 'low' },
      byFamily: { thetruthspy: 'medium' },
    };
    const result = assess(dirtySnapshot(), intel, classification, { now });
    expect(result.riskLevel).toBe('medium');
    const phishing = result.detections.find((d) => d.typeId === 'web.phishing');
    expect(phishing).toMatchObject({ risk: 'none', defaultRisk: 'medium' });
    expect(result.explanation.overrides.map((o) => `${o.by}:${o.key}`).sort()).toEqual([
      'family:thetruthspy',
      'type:device.usb-debugging',
      'type:web.phishing',
    ]);
  });

  it('deduplicates findings with the same key, merging evidence and keeping the higher instance risk', () => {
    const twice: Detector = () => [
      {
        typeId: 'os.patch-outdated',
        summary: 'old',
        risk: 'low',
        evidence: [{ subject: 'os', observed: 'a' }],
      },
      {
        typeId: 'os.patch-outdated',
        summary: 'old',
        risk: 'high',
        evidence: [{ subject: 'os', observed: 'b' }],
      },
    ];
    const result = assess(cleanAndroidSnapshot(), intel, {}, { now, extraDetectors: [twice] });
    expect(result.detections).toHaveLength(1);
    expect(result.detections[0]).toMatchObject({
      key: 'os.patch-outdated',
      risk: 'high',
      defaultRisk: 'high',
    });
    expect(result.detections[0]?.evidence.map((e) => e.observed)).toEqual(['a', 'b']);
  });

  it('passes tenant settings to detectors', () => {
    const snapshot = cleanAndroidSnapshot({
      network: cleanNetwork({ proxy: { host: 'proxy.corp.example', port: 3128 } }),
    });
    expect(assess(snapshot, intel, {}, { now }).riskLevel).toBe('medium');
    const settings = { allowedProxyHosts: ['proxy.corp.example'] };
    expect(assess(snapshot, intel, {}, { now, settings }).riskLevel).toBe('secured');
  });

  it.each([
    ['recent patch', '2026-10-01', undefined],
    ['patch ~100 days old', '2026-08-15', 'low'],
    ['patch > 180 days old', '2025-01-05', 'high'],
  ])('runs the built-in OS detectors: %s', (_name, securityPatch, risk) => {
    const base = cleanAndroidSnapshot();
    const snapshot = { ...base, device: { ...base.device, securityPatch } };
    const patch = assess(snapshot, intel, {}, { now }).detections.find(
      (d) => d.typeId === 'os.patch-outdated',
    );
    expect(patch?.risk).toBe(risk);
  });

  // The engine keeps no state between calls (issue 12.4): no memo keyed by the caller's settings
  // object, which every caller in the process would share and which would miss a change to it.
  it('reads a reused settings object afresh on every call', () => {
    const snapshot = cleanAndroidSnapshot({
      network: cleanNetwork({ proxy: { host: 'proxy.corp.example', port: 3128 } }),
    });
    const settings: { allowedProxyHosts: string[] } = { allowedProxyHosts: [] };
    expect(assess(snapshot, intel, {}, { now, settings }).riskLevel).not.toBe('secured');
    settings.allowedProxyHosts = ['proxy.corp.example'];
    expect(assess(snapshot, intel, {}, { now, settings }).riskLevel).toBe('secured');
  });

  it('uses settings resolved once (resolveAssessSettings) as given', () => {
    const base = cleanAndroidSnapshot();
    const snapshot = {
      ...base,
      apps: [...base.apps, cleanApp({ id: 'com.corp.tool', name: 'Tool', installer: 'com.corp.store' })],
    };
    const sideloaded = (settings?: Parameters<typeof assess>[3]['settings']) =>
      assess(snapshot, intel, {}, settings === undefined ? { now } : { now, settings }).detections.some(
        (d) => d.key === 'app.sideloaded:com.corp.tool',
      );
    const resolved = resolveAssessSettings({ knownStores: ['com.corp.store'] });
    expect(isResolvedAssessSettings(resolved)).toBe(true);
    expect(isResolvedAssessSettings({ ...resolved })).toBe(false);
    expect(sideloaded()).toBe(true);
    expect(sideloaded(resolved)).toBe(false);
    expect(sideloaded({ ...resolved })).toBe(false);
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it('throws on a detector bug (unknown threat type)', () => {
    const broken: Detector = () => [{ typeId: 'app.nope', summary: 'x', evidence: [] }];
    expect(() => assess(cleanAndroidSnapshot(), intel, {}, { now, extraDetectors: [broken] })).toThrow(
      /app\.nope/,
    );
  });
});
