import type { ServiceContext } from '../context.ts';
import { prefixOf, tokenMatches } from '../crypto/tokens.ts';
import { errors } from '../errors.ts';
import { findLiveApiTokensByPrefix, touchApiToken } from '../queries/api-tokens.ts';
import type { Principal } from './principal.ts';

/**
 * Resolves an `Authorization: Bearer <token>` header to a principal. The token's prefix finds
 * candidate rows; the full token is compared by hash in constant time.
 */
export async function authenticateAdmin(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  authorization: string | undefined,
): Promise<Principal> {
  const match = /^Bearer ([!-~]+)$/i.exec(authorization ?? '');
  const token = match?.[1];
  const prefix = token === undefined ? undefined : prefixOf('api', token);
  if (token === undefined || prefix === undefined) throw errors.unauthorized();
  const candidates = await findLiveApiTokensByPrefix(ctx.db.db, prefix);
  // Compare with every candidate (there is almost always one) so timing does not depend on which matched.
  let found: (typeof candidates)[number] | undefined;
  for (const row of candidates) {
    if (tokenMatches(token, row.hash) && found === undefined) found = row;
  }
  if (found === undefined) throw errors.unauthorized();
  await touchApiToken(ctx.db.db, found.tenant_id, found.id, ctx.now().toISOString());
  return { tenantId: found.tenant_id, tokenId: found.id, role: found.role };
}
