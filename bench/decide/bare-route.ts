/**
 * The HTTP baseline of the decide benchmark: a bare Fastify route that reads the same forward-auth
 * headers as `/v1/access/check` and answers 200 without deciding anything.
 */
import Fastify from 'fastify';

export interface BareRoute {
  readonly url: string;
  close(): Promise<void>;
}

const header = (value: string | string[] | undefined): string =>
  Array.isArray(value) ? (value[0] ?? '') : (value ?? '');

/** Starts it on 127.0.0.1 (a free port). */
export async function startBareRoute(): Promise<BareRoute> {
  const app = Fastify({ logger: false });
  app.get('/bare', async (req, reply) => {
    const seen =
      header(req.headers['x-riskgate-proxy-secret']) !== '' &&
      header(req.headers['x-forwarded-host']) !== '' &&
      header(req.headers['x-forwarded-uri']) !== '' &&
      header(req.headers['x-client-cert-sha256']) !== '';
    return reply.code(seen ? 200 : 400).send();
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `${address}/bare`, close: () => app.close() };
}
