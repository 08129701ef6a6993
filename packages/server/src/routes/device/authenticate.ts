import type { FastifyRequest, onRequestHookHandler, preValidationHookHandler } from 'fastify';
import type { VerifiedHead } from '../../device-identity/device-auth-service.ts';
import type { SignedHead } from '../../device-identity/request-signature.ts';
import { AppError } from '../../errors.ts';
import type { Services } from '../../runtime.ts';

export const SIGNATURE_HEADER = 'x-riskgate-signature';

/** The signature header, method and path (with query) of a request, as signed. */
export function signedHeadOf(request: FastifyRequest): SignedHead {
  const header = request.headers[SIGNATURE_HEADER];
  return {
    signature: typeof header === 'string' ? header : undefined,
    method: request.method,
    url: request.url,
  };
}

/**
 * The body the signature's digest is checked against. Fastify does not read the body of a GET,
 * so a GET carrying one was accepted with a digest over nothing while its body went unverified
 * (device-auth-matrix.security.test.ts, "tampered body" on GET routes): a body the server did not
 * read is refused instead of being taken for an empty one.
 */
function signedBodyOf(request: FastifyRequest): Buffer {
  if (request.rawBody !== null) return request.rawBody;
  const length = request.headers['content-length'];
  const announced =
    (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
  if (announced)
    throw new AppError('bad_signature', 'signed body digest does not match the body (the body was not read)');
  return Buffer.alloc(0);
}

/**
 * Hooks of a signed device scope (docs/agent-protocol.md §2). onRequest, before the body is
 * read: the per-address limit, the signature against the key of the device it names (which must
 * exist and not be retired), method, path and time, then the per-device limit. A stranger is
 * refused before one body byte is buffered (issue 11.7). preValidation, once the body is read: the
 * signed body digest and the nonce; then `request.device` is set.
 */
export function deviceAuthHooks(
  identity: Pick<Services['deviceIdentity'], 'authenticateHead' | 'authenticateBody'>,
): {
  readonly onRequest: onRequestHookHandler;
  readonly preValidation: preValidationHookHandler;
} {
  const heads = new WeakMap<FastifyRequest, VerifiedHead>();
  return {
    onRequest: async (request, reply) => {
      const limits = request.server.rateLimits;
      await limits.devicePerIp(request, reply);
      const head = await identity.authenticateHead(signedHeadOf(request));
      await limits.devicePerDevice(request, reply, head.device.id);
      heads.set(request, head);
    },
    preValidation: async (request) => {
      const head = heads.get(request);
      if (head === undefined) throw new Error('device route without the onRequest authentication hook');
      request.device = await identity.authenticateBody(head, signedBodyOf(request));
    },
  };
}
