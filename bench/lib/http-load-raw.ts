/**
 * A lean keep-alive HTTP/1.1 GET client for the open-model load (`http-load.ts`): requests are
 * pre-built strings written on plain sockets, responses are read just far enough to find the status
 * and the end of the body. Far less generator CPU per request than `node:http`, which matters when
 * the generator shares two cores with the server it measures. Only what Fastify answers is
 * understood: a `content-length` body (or none), no chunked encoding.
 */
import { connect, type Socket } from 'node:net';

/** Called once per request: the status, or 0 with an error. */
export type RawCallback = (status: number, error?: Error) => void;

interface Waiting {
  readonly request: string;
  readonly callback: RawCallback;
}

const HEAD_END = '\r\n\r\n';
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

/** One kept-alive socket answering one request at a time. */
class RawConnection {
  private readonly socket: Socket;
  private buffer = '';
  private callback: RawCallback | undefined;

  constructor(
    host: string,
    port: number,
    private readonly onFree: (connection: RawConnection) => void,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => this.read(chunk));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
  }

  send(request: string, callback: RawCallback): void {
    this.callback = callback;
    this.buffer = '';
    this.socket.write(request, 'latin1');
  }

  close(): void {
    this.socket.destroy();
  }

  private read(chunk: string): void {
    this.buffer += chunk;
    const headEnd = this.buffer.indexOf(HEAD_END);
    if (headEnd === -1) return;
    const length = Number(CONTENT_LENGTH.exec(this.buffer.slice(0, headEnd + 2))?.[1] ?? 0);
    if (this.buffer.length < headEnd + HEAD_END.length + length) return;
    const status = Number(this.buffer.slice(9, 12));
    const callback = this.callback;
    this.callback = undefined;
    this.buffer = '';
    callback?.(status);
    this.onFree(this);
  }

  private fail(error: Error): void {
    const callback = this.callback;
    this.callback = undefined;
    callback?.(0, error);
  }
}

/** Up to `connections` sockets to `url`'s host; a request finding all busy waits for the next free one. */
export class RawPool {
  private readonly idle: RawConnection[] = [];
  private readonly all: RawConnection[] = [];
  private readonly waiting: Waiting[] = [];
  private readonly host: string;
  private readonly port: number;
  private readonly prefix: string;

  constructor(
    url: URL,
    private readonly connections: number,
  ) {
    this.host = url.hostname;
    this.port = Number(url.port || 80);
    this.prefix = `GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: keep-alive\r\n`;
  }

  /** The request text for a header set (build once per set, send many times). */
  build(headers: Readonly<Record<string, string>>): string {
    let text = this.prefix;
    for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
    return `${text}\r\n`;
  }

  send(request: string, callback: RawCallback): void {
    const connection = this.idle.pop() ?? this.open();
    if (connection === undefined) this.waiting.push({ request, callback });
    else connection.send(request, callback);
  }

  close(): void {
    for (const connection of this.all) connection.close();
  }

  private open(): RawConnection | undefined {
    if (this.all.length >= this.connections) return undefined;
    const connection = new RawConnection(this.host, this.port, (free) => this.release(free));
    this.all.push(connection);
    return connection;
  }

  private release(connection: RawConnection): void {
    const next = this.waiting.shift();
    if (next === undefined) this.idle.push(connection);
    else connection.send(next.request, next.callback);
  }
}
