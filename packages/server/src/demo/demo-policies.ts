import type { InjectOptions, LightMyRequestResponse } from 'fastify';

/** The one thing seeding needs of the app: in-process requests. */
export interface Injector {
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
}

/**
 * What a new demo tenant starts with, so that the Quick start shows compliance and conditional
 * access at work: a compliance policy "threat level at or under low", a web app resource, and an
 * access policy that lets only low-risk devices reach it. Seeded once, through the public admin API
 * (validation and audit included), when the demo tenant is created.
 */
const DEMO_SEED: readonly { readonly url: string; readonly body: Record<string, unknown> }[] = [
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
];

/** Seeds the demo policies; returns a note per item that could not be created. */
export async function seedDemoPolicies(app: Injector, ownerToken: string): Promise<string[]> {
  const notes: string[] = [];
  for (const item of DEMO_SEED) {
    const reply = await app.inject({
      method: 'POST',
      url: item.url,
      headers: { authorization: `Bearer ${ownerToken}` },
      payload: item.body,
    });
    if (reply.statusCode >= 300) notes.push(`could not seed ${item.url}: ${reply.statusCode} ${reply.body}`);
  }
  return notes;
}
