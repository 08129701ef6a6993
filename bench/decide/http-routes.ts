/**
 * Interim HTTP comparison until the server's `/v1/access/check` exists: one Fastify app with a bare
 * forward-auth-shaped route (reads the headers, answers 200) and the same route running the engine
 * decision (resource match + policies over the device named by a header, from a Map).
 */
import type { AccessDevice, CompiledAccessPolicies, ResourceIndex } from '@riskgate/engine';
import Fastify from 'fastify';

export interface DecideRoutes {
  readonly baseUrl: string;
  close(): Promise<void>;
}

export interface DecideRouteDeps {
  readonly index: ResourceIndex;
  readonly policies: CompiledAccessPolicies;
  readonly devices: ReadonlyMap<string, AccessDevice>;
  readonly now: Date;
}

const header = (value: string | string[] | undefined): string =>
  Array.isArray(value) ? (value[0] ?? '') : (value ?? '');

/** Starts the app on 127.0.0.1 (a free port): `GET /bare` and `GET /decide`. */
export async function startDecideRoutes(deps: DecideRouteDeps): Promise<DecideRoutes> {
  const app = Fastify({ logger: false });
  app.get('/bare', async (req, reply) => {
    const host = header(req.headers['x-forwarded-host']);
    const uri = header(req.headers['x-forwarded-uri']);
    const device = header(req.headers['x-device-id']);
    return reply
      .header('x-riskgate-decision', host !== '' && uri !== '' && device !== '' ? 'allow' : 'deny')
      .send();
  });
  app.get('/decide', async (req, reply) => {
    const resource = deps.index.matchHttp({
      host: header(req.headers['x-forwarded-host']),
      path: header(req.headers['x-forwarded-uri']),
    });
    if (resource === undefined) return reply.code(403).header('x-riskgate-decision', 'deny').send();
    const decision = deps.policies.decide({
      resourceId: resource.id,
      device: deps.devices.get(header(req.headers['x-device-id'])),
      now: deps.now,
    });
    return reply
      .code(decision.outcome === 'allow' ? 200 : 403)
      .header('x-riskgate-decision', decision.outcome)
      .send();
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { baseUrl: address, close: () => app.close() };
}
