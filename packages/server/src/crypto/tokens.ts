import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Kinds of bearer secret: admin API tokens, device enrollment tokens and per-tenant proxy credentials. */
export type TokenKind = 'api' | 'enrollment' | 'proxy';

const MARKER: Readonly<Record<TokenKind, string>> = { api: 'rgat', enrollment: 'rget', proxy: 'rgps' };
/** Characters of the token kept in clear for indexed lookup (marker + 10 random chars). */
const PREFIX_LENGTH = 15;

/** A freshly minted token: the secret (shown once), its lookup prefix and its hash (stored). */
export interface MintedToken {
  readonly token: string;
  readonly prefix: string;
  readonly hash: string;
}

/** Hex SHA-256 of a token. Tokens carry 256 bits of entropy, so a plain hash is enough. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Mints a token `rgat_<43 base64url chars>` with 256 random bits. */
export function mintToken(kind: TokenKind): MintedToken {
  const token = `${MARKER[kind]}_${randomBytes(32).toString('base64url')}`;
  return { token, prefix: token.slice(0, PREFIX_LENGTH), hash: hashToken(token) };
}

/** The lookup prefix of a presented token, or `undefined` when it cannot be one of ours. */
export function prefixOf(kind: TokenKind, token: string): string | undefined {
  if (!token.startsWith(`${MARKER[kind]}_`) || token.length < PREFIX_LENGTH + 16 || token.length > 200) {
    return undefined;
  }
  return token.slice(0, PREFIX_LENGTH);
}

/** Constant-time check of a presented token against a stored hex hash. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
