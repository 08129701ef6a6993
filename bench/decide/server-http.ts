/**
 * The server's real forward-auth route (`GET /v1/access/check`, Caddy-style headers: forwarded host
 * and URI, client-certificate SHA-256, proxy secret) on a listening runtime over SQLite, with
 * enrolled devices that have reported, for the decide benchmark's HTTP rows.
 */
import type { AccessPolicy, Resource } from '@riskgate/engine';
import { createAccessHarness, PROXY_SECRET } from '../../packages/server/test-support/access.ts';

export interface ForwardAuthServer {
  readonly url: string;
  /** The app itself (for in-process `inject` measurements). */
  readonly app: Awaited<ReturnType<typeof createAccessHarness>>['app'];
  /** The runtime's access system (for measurements of the decision step alone). */
  readonly access: Awaited<ReturnType<typeof createAccessHarness>>['access'];
  /** One header set per request to send (cycling devices, hosts and URIs). */
  readonly headerSets: readonly Record<string, string>[];
  close(): Promise<void>;
}

/** Starts the runtime with `resources` and `policies`, enrolls `devices` devices (every 10th malicious). */
export async function startForwardAuthServer(options: {
  readonly resources: readonly Resource[];
  readonly policies: readonly AccessPolicy[];
  readonly devices: number;
  readonly targets: readonly { host: string; path: string }[];
  readonly progress: (message: string) => void;
}): Promise<ForwardAuthServer> {
  const h = await createAccessHarness('sqlite');
  for (const resource of options.resources) await h.addResource(resource);
  for (const policy of options.policies) await h.addPolicy(policy);
  const fingerprints: string[] = [];
  for (let i = 0; i < options.devices; i++) {
    if (i % 10 === 0) options.progress(`enrolling device ${i + 1}/${options.devices}`);
    const device = await h.enroll();
    await h.report(device, i % 10 === 9);
    fingerprints.push(device.fingerprint);
  }
  const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const headerSets = options.targets.map((target, i) => ({
    'x-riskgate-proxy-secret': PROXY_SECRET,
    'x-forwarded-host': target.host,
    'x-forwarded-uri': target.path,
    'x-forwarded-method': 'GET',
    'x-client-cert-sha256': fingerprints[i % fingerprints.length] ?? '',
  }));
  return {
    url: `${address}/v1/access/check`,
    app: h.app,
    access: h.access,
    headerSets,
    close: () => h.close(),
  };
}
