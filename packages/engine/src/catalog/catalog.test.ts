import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { APP_THREAT_BY_CATEGORY, findThreatType, renderRemediation, THREAT_TYPES } from './catalog.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DATASETS = process.env.RISKGATE_DATASETS ?? join(REPO_ROOT, '..', 'shared', 'datasets');

interface StixObject {
  type: string;
  revoked?: boolean;
  x_mitre_deprecated?: boolean;
  external_references?: { source_name: string; external_id?: string }[];
}

/** Technique ids (`T1430`, `T1417.002`) of the current, non-revoked, non-deprecated attack patterns. */
function loadActiveTechniques(): Set<string> {
  const path = join(DATASETS, 'mitre-attack-mobile', 'mobile-attack-17.1.json');
  const bundle = JSON.parse(readFileSync(path, 'utf8')) as { objects: StixObject[] };
  const ids = new Set<string>();
  for (const object of bundle.objects) {
    if (object.type !== 'attack-pattern' || object.revoked || object.x_mitre_deprecated) continue;
    for (const ref of object.external_references ?? []) {
      if (ref.source_name === 'mitre-attack' && ref.external_id) ids.add(ref.external_id);
    }
  }
  return ids;
}

const REQUIRED_IDS = [
  'app.stalkerware',
  'app.spyware',
  'app.trojan',
  'app.banking-trojan',
  'app.adware',
  'app.riskware',
  'app.root-enabler',
  'app.watchware',
  'app.malware',
  'app.sideloaded',
  'app.unknown-signer',
  'app.dangerous-permissions',
  'os.patch-outdated',
  'os.end-of-life',
  'os.exploited-vulnerability',
  'os.device-end-of-life',
  'device.rooted',
  'device.jailbroken',
  'device.bootloader-unlocked',
  'device.boot-not-verified',
  'device.selinux-permissive',
  'device.developer-options',
  'device.usb-debugging',
  'device.unknown-sources',
  'device.no-screen-lock',
  'device.not-encrypted',
  'device.attestation-failed',
  'device.attestation-missing',
  'device.attestation-mismatch',
  'network.tls-mitm',
  'network.ssl-strip',
  'network.rogue-access-point',
  'network.open-wifi',
  'network.wep-wifi',
  'network.arp-spoofing',
  'network.untrusted-ca',
  'network.malicious-profile',
  'network.suspicious-proxy',
  'network.dns-hijack',
  'network.c2-contact',
  'web.phishing',
];

describe('threat catalog', () => {
  it('has at least 30 types, unique ids, every required id, every class', () => {
    expect(THREAT_TYPES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(THREAT_TYPES.map((t) => t.id)).size).toBe(THREAT_TYPES.length);
    for (const id of REQUIRED_IDS) expect(findThreatType(id), id).toBeDefined();
    expect(new Set(THREAT_TYPES.map((t) => t.class))).toEqual(
      new Set(['app', 'os', 'device', 'network', 'web']),
    );
  });

  it.each(THREAT_TYPES.map((t) => [t.id, t] as const))('%s is well-formed', (id, type) => {
    expect(id.startsWith(`${type.class}.`)).toBe(true);
    expect(id).toMatch(/^[a-z]+\.[a-z0-9-]+$/);
    expect(type.title.length).toBeGreaterThan(3);
    expect(type.description.length).toBeGreaterThan(20);
    expect(type.description).not.toMatch(/\{[a-z]/i);
    expect(type.remediation.length).toBeGreaterThan(0);
    expect(type.attack.length).toBeGreaterThan(0);
  });

  it('maps every technique to an active ATT&CK for Mobile attack-pattern', () => {
    const active = loadActiveTechniques();
    expect(active.size).toBeGreaterThan(50);
    const unknown = THREAT_TYPES.flatMap((t) =>
      t.attack.filter((id) => !active.has(id)).map((id) => `${t.id}:${id}`),
    );
    expect(unknown).toEqual([]);
  });

  it('detects a revoked or made-up technique id (the check can fail)', () => {
    const active = loadActiveTechniques();
    expect(active.has('T1476')).toBe(false); // revoked "Deliver Malicious App via Other Means"
    expect(active.has('T9999')).toBe(false);
  });

  it('maps every indicator category to an app threat in the catalog', () => {
    for (const typeId of Object.values(APP_THREAT_BY_CATEGORY)) expect(findThreatType(typeId)).toBeDefined();
  });
});

describe('renderRemediation', () => {
  it.each([
    ['fills params', ['Uninstall {app} now'], { app: 'Copy9' }, ['Uninstall Copy9 now']],
    ['repeats', ['{app} and {app}'], { app: 'X' }, ['X and X']],
    ['falls back', ['Uninstall {app}'], {}, ['Uninstall the app']],
    ['keeps text without placeholders', ['Plain'], { app: 'X' }, ['Plain']],
    ['unknown placeholder → its name', ['See {thing}'], {}, ['See thing']],
    ['several, at both ends', ['{app} on {host}'], { app: 'A', host: 'h' }, ['A on h']],
    ['not placeholders', ['{} {1x} {App} $& {app'], { app: 'A', App: 'B' }, ['{} {1x} {App} $& {app']],
    ['a value with replacement patterns', ['Open {host}'], { host: "$&$'$1" }, ["Open $&$'$1"]],
  ])('%s', (_name, templates, params, expected) => {
    expect(renderRemediation(templates, params)).toEqual(expected);
  });

  it('renders every catalog template as the plain regex replacement does', () => {
    // Every name with a fallback is given, so the reference needs no fallbacks.
    const params = { app: 'A$&', host: 'h', ssid: 's', proxy: 'p', ca: 'c', profile: 'pr', family: 'f' };
    for (const type of THREAT_TYPES)
      expect(renderRemediation(type.remediation, params), type.id).toEqual(
        type.remediation.map((t) =>
          t.replace(
            /\{([a-z][a-zA-Z]*)\}/g,
            (_m, name: string) => (params as Record<string, string>)[name] ?? name,
          ),
        ),
      );
  });

  it('leaves no placeholder in any catalog template when params are given', () => {
    const params = { app: 'A', host: 'h', ssid: 's', proxy: 'p', ca: 'c', profile: 'pr', family: 'f' };
    for (const type of THREAT_TYPES) {
      for (const step of renderRemediation(type.remediation, params))
        expect(step, type.id).not.toMatch(/[{}]/);
    }
  });
});
