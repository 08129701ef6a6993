import { expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startGatewayFixture } from '../../test-support/gateway.ts';

it('close() ends open WebSocket connections and stops listening', async () => {
  const f = await startGatewayFixture();
  const ws = new WebSocket(`wss://127.0.0.1:${f.port}/ws`, {
    ca: f.serverCert.certPem,
    cert: f.allowed.certPem,
    key: f.allowed.keyPem,
  });
  await new Promise((resolve, reject) => {
    ws.once('message', resolve);
    ws.once('error', reject);
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await f.close();
  expect(await closed).toBe(1006); // abnormal closure: the gateway cut the connection
  expect(f.gateway.server.listening).toBe(false);
});
