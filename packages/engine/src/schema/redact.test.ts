import { describe, expect, it } from 'vitest';
import { cleanAndroidSnapshot, cleanApp, cleanNetwork, fakeIntel } from '../../test-support/snapshots.ts';
import { assess } from '../assess.ts';
import { redactPersonalSnapshot } from './redact.ts';

const now = new Date('2026-11-25T18:00:00.000Z');
const intel = fakeIntel([
  [
    'app-id',
    'com.apspy.app',
    { feed: 'stalkerware-indicators', family: 'TheTruthSpy', category: 'stalkerware' },
  ],
  ['domain', 'evil.example', { feed: 'phish', category: 'phishing' }],
]);

describe('redactPersonalSnapshot', () => {
  it('keeps only matched apps and domains and blanks an unmatched Wi-Fi name', () => {
    const base = cleanAndroidSnapshot();
    const snapshot = {
      ...base,
      apps: [...base.apps, cleanApp({ id: 'com.apspy.app' })],
      visitedDomains: [
        { domain: 'private.example', at: '2026-11-25T17:00:00Z' },
        { domain: 'WWW.Evil.example', at: '2026-11-25T17:01:00Z' },
      ],
    };
    const before = structuredClone(snapshot);
    const { detections } = assess(snapshot, intel, {}, { now });
    const redacted = redactPersonalSnapshot(snapshot, detections);
    expect(redacted.apps.map((a) => a.id)).toEqual(['com.apspy.app']);
    expect(redacted.visitedDomains?.map((d) => d.domain)).toEqual(['WWW.Evil.example']);
    expect(redacted.network.wifi).toEqual({ ssid: '', security: 'wpa2' });
    expect(redacted.network.gatewayMacHistory).toBeUndefined();
    expect(redacted.integrity).toEqual(snapshot.integrity);
    expect(snapshot).toEqual(before);
  });

  it('keeps the Wi-Fi name when a detection is about it', () => {
    const snapshot = cleanAndroidSnapshot({
      network: cleanNetwork({ wifi: { ssid: 'FreeCafe', security: 'open' } }),
    });
    const { detections } = assess(snapshot, intel, {}, { now });
    expect(redactPersonalSnapshot(snapshot, detections).network.wifi?.ssid).toBe('FreeCafe');
  });

  it('keeps nothing personal from a clean snapshot', () => {
    const snapshot = cleanAndroidSnapshot();
    const redacted = redactPersonalSnapshot(snapshot, []);
    expect(redacted.apps).toEqual([]);
    expect(redacted.visitedDomains).toEqual([]);
    expect(redacted.network.wifi?.ssid).toBe('');
  });
});
