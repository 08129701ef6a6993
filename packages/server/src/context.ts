import type { Logger } from 'pino';
import type { SecretBox } from './crypto/secret-box.ts';
import type { Db } from './db/database.ts';

/** What services share: the database, the secret box, the clock and a logger. */
export interface ServiceContext {
  readonly db: Db;
  readonly box: SecretBox;
  /** The current time; injected so tests can move it. */
  readonly now: () => Date;
  readonly logger: Logger;
  /**
   * Call after a transaction that changed devices' risk, compliance, threats or retirement has
   * committed, and before answering: updates the decision caches (every node) and publishes
   * `DeviceStateChanged`. Never rejects. Absent in contexts without conditional access.
   */
  readonly devicesChanged?: (tenantId: string, deviceIds: readonly string[]) => Promise<void>;
}
