/**
 * Baseline for the ingest driver: a bare Fastify route that only parses the same JSON body (and
 * answers enrollment with a made-up device id). `node --import tsx bench/ingest-profile/bare.ts <port>`
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
let next = 0;
app.post('/v1/device/enroll', async (_request, reply) =>
  reply.status(201).send({ deviceId: `dev_${next++}` }),
);
app.post('/v1/device/reports', async (request) => {
  const body = request.body as { reportId?: string };
  return { reportId: body.reportId, duplicate: false };
});
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
process.stdout.write('Enrollment token: bare\n');
process.once('SIGINT', () => void app.close());
