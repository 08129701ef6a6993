/**
 * Seeded inputs for the decide benchmark: a tenant's HTTP resources (exact hosts, wildcards, path
 * prefixes, one catch-all), its conditional-access policies, a decision cache of devices and a
 * stream of forward-auth requests (host, URI, device id; some unknown devices and hosts).
 */
import type { Rng } from '@riskgate/agent';
import type { AccessDevice, AccessPolicy, Resource, RiskLevel } from '@riskgate/engine';

export interface DecideRequest {
  readonly host: string;
  readonly path: string;
  readonly deviceId: string;
}

export interface DecideInputs {
  readonly resources: readonly Resource[];
  readonly policies: readonly AccessPolicy[];
  readonly devices: ReadonlyMap<string, AccessDevice>;
  readonly requests: readonly DecideRequest[];
}

const APPS = [
  'mail',
  'files',
  'wiki',
  'crm',
  'hr',
  'git',
  'chat',
  'erp',
  'bi',
  'helpdesk',
  'intranet',
  'vpn',
];
const PATHS = ['/', '/api/v1/items', '/login', '/static/app.js', '/admin/users', '/reports/2026/q3', '/owa/'];
const GROUPS = Array.from({ length: 30 }, (_, i) => `group-${i}`);

function makeResources(rng: Rng, domain: string, count: number): Resource[] {
  const resources: Resource[] = [];
  for (let i = 0; i < count; i++) {
    const app = `${rng.pick(APPS)}${i}`;
    const hosts = rng.chance(0.2) ? [`*.${app}.${domain}`] : [`${app}.${domain}`, `${app}-eu.${domain}`];
    const prefix = rng.chance(0.3) ? { pathPrefix: rng.pick(['/api', '/admin', '/owa']) } : {};
    resources.push({ id: `res-${i}`, name: `App ${app}`, kind: 'http-app', hosts, ...prefix });
  }
  resources.push({ id: 'res-any', name: 'Everything else', kind: 'http-app' });
  return resources;
}

function makePolicies(rng: Rng, resources: readonly Resource[], count: number): AccessPolicy[] {
  const policies: AccessPolicy[] = [];
  for (let i = 0; i < count; i++) {
    const grant = rng.pick([
      { kind: 'require-compliant' as const },
      { kind: 'require-risk-at-most' as const, level: rng.pick(['low', 'medium'] as const) },
      { kind: 'block' as const },
    ]);
    const targeted = rng.chance(0.6);
    const resourcesOf = targeted ? { resources: rng.sample(resources, rng.int(1, 5)).map((r) => r.id) } : {};
    policies.push({
      id: `pol-${i}`,
      name: `Policy ${i}`,
      state: rng.pick(['on', 'on', 'on', 'report-only', 'off'] as const),
      // A block applies to a few named users (a group-wide block would deny most requests).
      assignment:
        grant.kind === 'block'
          ? { ...resourcesOf, users: Array.from({ length: rng.int(1, 3) }, () => `user-${rng.int(0, 999)}`) }
          : {
              ...resourcesOf,
              ...(rng.chance(0.5) ? { groups: rng.sample(GROUPS, rng.int(1, 4)) } : {}),
              ...(rng.chance(0.3) ? { platforms: [rng.pick(['android', 'ios'] as const)] } : {}),
              ...(rng.chance(0.3) ? { excludeGroups: rng.sample(GROUPS, 1) } : {}),
            },
      ...(rng.chance(0.2) ? { conditions: { agentVersionBelow: '0.2.0' } } : {}),
      grant,
    });
  }
  return policies;
}

function makeDevice(rng: Rng, index: number): AccessDevice {
  // A fleet is mostly clean: 85% secured, 7% low, 5% medium, 3% high.
  const draw = rng.next();
  const riskLevel: RiskLevel =
    draw < 0.85 ? 'secured' : draw < 0.92 ? 'low' : draw < 0.97 ? 'medium' : 'high';
  return {
    deviceId: `dev-${index}`,
    user: `user-${rng.int(0, 999)}`,
    groups: rng.sample(GROUPS, rng.int(1, 4)),
    platform: rng.chance(0.6) ? 'android' : 'ios',
    ownership: rng.chance(0.7) ? 'corporate' : 'personal',
    riskLevel,
    complianceState:
      riskLevel === 'high' ? 'noncompliant' : rng.chance(0.05) ? 'in-grace-period' : 'compliant',
    retired: rng.chance(0.01),
    agentVersion: rng.pick(['0.1.0', '0.2.0', '0.2.3']),
    threats:
      riskLevel === 'secured'
        ? []
        : [{ typeId: 'app.stalkerware', title: 'Stalkerware', risk: 'high', remediation: ['Uninstall it.'] }],
  };
}

/** Inputs for one run: `resources` http apps, `policies` policies, `devices` devices, `requests` requests. */
export function generateDecideInputs(
  rng: Rng,
  sizes: { resources: number; policies: number; devices: number; requests: number },
): DecideInputs {
  const domain = `${rng.pick(['acme', 'contoso', 'globex'])}.example`;
  const resources = makeResources(rng, domain, sizes.resources);
  const policies = makePolicies(rng, resources, sizes.policies);
  const devices = new Map<string, AccessDevice>();
  for (let i = 0; i < sizes.devices; i++) devices.set(`dev-${i}`, makeDevice(rng, i));
  const requests: DecideRequest[] = [];
  for (let i = 0; i < sizes.requests; i++) {
    const resource = rng.pick(resources);
    const pattern = resource.hosts?.[0] ?? `unknown${i}.${domain}`;
    const host = pattern.startsWith('*.')
      ? `${rng.pick(['app', 'api', 'www'])}.${pattern.slice(2)}`
      : pattern;
    requests.push({
      host: rng.chance(0.1) ? `${host.toUpperCase()}:443` : host,
      path: `${resource.pathPrefix ?? ''}${rng.pick(PATHS)}${rng.chance(0.3) ? `?id=${rng.int(1, 1e6)}` : ''}`,
      deviceId: rng.chance(0.03) ? `dev-unknown-${i}` : `dev-${rng.int(0, sizes.devices - 1)}`,
    });
  }
  return { resources, policies, devices, requests };
}
