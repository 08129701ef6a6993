/** Every error code the API returns. Mapped exhaustively to an HTTP status in {@link STATUS_OF}. */
export type ErrorCode =
  | 'invalid_request'
  | 'malformed_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'request_timeout'
  | 'headers_too_large'
  | 'unsupported_media_type'
  | 'invalid_enrollment_token'
  | 'reenrollment_not_authorized'
  | 'bad_signature'
  | 'stale_request'
  | 'replayed_nonce'
  | 'not_implemented'
  | 'unavailable'
  | 'internal_error';

/** HTTP status of each code; `satisfies` makes a missing code a compile error. */
export const STATUS_OF = {
  invalid_request: 400,
  malformed_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  request_timeout: 408,
  headers_too_large: 431,
  unsupported_media_type: 415,
  invalid_enrollment_token: 401,
  reenrollment_not_authorized: 403,
  bad_signature: 401,
  stale_request: 401,
  replayed_nonce: 401,
  not_implemented: 501,
  unavailable: 503,
  internal_error: 500,
} as const satisfies Record<ErrorCode, number>;

/** An expected failure with a code the client may act on; its message is safe to show. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  get status(): number {
    return STATUS_OF[this.code];
  }
}

/** The wire shape of every error. */
export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly requestId: string;
}

/** Shorthand constructors for the common cases. */
export const errors = {
  notFound: (what: string) => new AppError('not_found', `${what} not found`),
  forbidden: (message = 'your role does not allow this') => new AppError('forbidden', message),
  unauthorized: (message = 'missing or invalid bearer token') => new AppError('unauthorized', message),
  invalid: (message: string) => new AppError('invalid_request', message),
};
