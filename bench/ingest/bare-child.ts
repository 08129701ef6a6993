/**
 * The ingest baseline, run as its own process: a bare Fastify route on the report path that only
 * parses the JSON body (same body limit as the benchmark server) and reads the signature header.
 * Prints its URL on stdout.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.post('/v1/device/reports', async (req, reply) => {
  const body = req.body as { reportId?: unknown } | null;
  const signature = req.headers['x-riskgate-signature'];
  const ok = typeof signature === 'string' && signature !== '' && typeof body?.reportId === 'string';
  return reply.code(ok ? 200 : 400).send({ reportId: body?.reportId ?? '', duplicate: false });
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${address}\n`);
process.once('SIGTERM', () => {
  app.close().then(() => process.exit(0));
});
