import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type ErrorCode, STATUS_OF } from './errors.ts';

/** What Node's HTTP parser refuses, in our error vocabulary (the rest: `invalid_request`). */
function errorOf(code: string | undefined): { readonly code: ErrorCode; readonly message: string } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { code: 'request_timeout', message: 'the request was not received in time' };
  if (code === 'HPE_HEADER_OVERFLOW')
    return { code: 'headers_too_large', message: 'the request headers are too large' };
  return { code: 'invalid_request', message: 'the request is not valid HTTP/1.1' };
}

/**
 * Fastify's `clientErrorHandler`: a request Node's parser refused (malformed request line or
 * header, bad content-length, headers too large, timeout) never reaches a route, so Fastify's
 * default writes `{error, statusCode, message}`. This writes `{code, message, requestId}` like
 * every other error, with the request id in `x-request-id`, and closes the connection.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  // A reset connection or a destroyed socket: nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = errorOf(error.code);
  const status = STATUS_OF[known.code];
  const requestId = randomUUID();
  this.log.debug({ err: error, requestId }, 'client error');
  const body = JSON.stringify({ code: known.code, message: known.message, requestId });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
