import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Db } from '../db/database.ts';

/** What services share: the database, the secret box, the clock and a logger. */
export interface ServiceContext {
  readonly db: Db;
  readonly box: SecretBox;
  /** The current time; injected so tests can move it. */
  readonly now: () => Date;
  readonly logger: Logger;
}
