/**
 * PostgreSQL SQLSTATE codes and driver messages that mean "the database cannot be reached right
 * now" (as opposed to a bad statement): connection exceptions (class 08), the server shutting
 * down or terminating the connection (57P01-57P03), too many connections (53300), and a database
 * refusing connections.
 */
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_NODE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'connection error and is not queryable',
  'timeout exceeded when trying to connect',
  'not currently accepting connections',
  'Client was closed and is not queryable',
];

/**
 * Whether an error says the database is unreachable (retry later), not that a statement is wrong.
 * Requests that meet one answer 503 `unavailable` with `Retry-After`; access decisions that need
 * the database fail closed (`state-unavailable`).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code !== undefined && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  if (code !== undefined && UNAVAILABLE_NODE_CODES.has(code)) return true;
  if (UNAVAILABLE_MESSAGES.some((text) => error.message.includes(text))) return true;
  // Kysely and pg wrap some failures (an aggregate of connection attempts, a cause).
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  return 'cause' in error && error.cause !== error && isDatabaseUnavailable(error.cause);
}
