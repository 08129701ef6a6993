import type { InjectOptions, LightMyRequestResponse } from 'fastify';

/** The one thing seeding needs of the app: in-process requests. */
export interface Injector {
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
}

/**
 * The company Wi-Fi of the demo tenant: the network the agent's `rogue-ap` profile imitates (same
 * SSID, weaker security, an access point not listed here), so that profile raises
 * `network.rogue-access-point` against the demo as the README promises. Kept equal to the profile's
 * by the agent's demo-fleet test.
 */
export const DEMO_KNOWN_NETWORK = {
  ssid: 'Acme-Corp',
  security: 'wpa2-enterprise',
  bssids: ['8c:3b:ad:41:7e:02', '8c:3b:ad:41:7e:12'],
} as const;

/**
 * What a new demo tenant starts with, so that the Quick start shows compliance and conditional
 * access at work: a compliance policy "threat level at or under low", a web app resource, an
 * access policy that lets only low-risk devices reach it, and the company Wi-Fi (known networks).
 * Seeded once, through the public admin API (validation and audit included), when the demo tenant
 * is created.
 */
const DEMO_SEED: readonly {
  readonly method?: 'PUT';
  readonly url: string;
  readonly body: Record<string, unknown>;
}[] = [
  {
    url: '/v1/admin/compliance-policies',
    body: {
      name: 'Threat level at or under low',
      assignment: {},
      rules: { maxThreatLevel: 'low', requireScreenLock: true },
      gracePeriodHours: 0,
      actions: [
        { afterHours: 0, action: 'notify' },
        { afterHours: 0, action: 'block-access' },
      ],
      unresponsive: { afterDays: 7, treatAs: 'noncompliant' },
      enabled: true,
    },
  },
  {
    url: '/v1/admin/resources',
    body: { id: 'demo-app', name: 'Demo web app', kind: 'http-app', hosts: ['app.demo.localhost'] },
  },
  {
    url: '/v1/admin/access-policies',
    body: {
      id: 'demo-low-risk-only',
      name: 'Demo web app: low risk or better',
      state: 'on',
      assignment: { resources: ['demo-app'] },
      grant: { kind: 'require-risk-at-most', level: 'low' },
    },
  },
  {
    method: 'PUT',
    url: '/v1/admin/settings/detection',
    body: { knownNetworks: [DEMO_KNOWN_NETWORK] },
  },
];

/** Seeds the demo policies; returns a note per item that could not be created. */
export async function seedDemoPolicies(app: Injector, ownerToken: string): Promise<string[]> {
  const notes: string[] = [];
  for (const item of DEMO_SEED) {
    const reply = await app.inject({
      method: item.method ?? 'POST',
      url: item.url,
      headers: { authorization: `Bearer ${ownerToken}` },
      payload: item.body,
    });
    if (reply.statusCode >= 300) notes.push(`could not seed ${item.url}: ${reply.statusCode} ${reply.body}`);
  }
  return notes;
}
