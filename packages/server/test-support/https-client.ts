import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';

/** A client certificate and key (PEM) a test presents in mTLS. */
export interface ClientIdentity {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface TestHttpsRequest {
  readonly port: number;
  readonly path: string;
  readonly method?: string;
  /** The host name sent as SNI and `Host` (the connection always goes to 127.0.0.1). */
  readonly host?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** The server certificate to trust (PEM). */
  readonly ca: string;
  readonly client?: ClientIdentity;
}

export interface TestHttpsResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTPS request on a fresh connection (no agent), body read whole: for assertions, not load. */
export function httpsRequest(options: TestHttpsRequest): Promise<TestHttpsResponse> {
  const host = options.host ?? 'localhost';
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: options.port,
        path: options.path,
        method: options.method ?? 'GET',
        servername: host === '127.0.0.1' ? undefined : host,
        headers: { host, ...options.headers },
        ca: options.ca,
        cert: options.client?.certPem,
        key: options.client?.keyPem,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
