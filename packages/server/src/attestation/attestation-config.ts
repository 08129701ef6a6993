import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { defaultDatasetsDir } from '../intel/intel-source.ts';
import type { AttestationSettings } from './attestation-service.ts';
import {
  type AttestationTrust,
  createAttestationTrust,
  defaultAttestationPaths,
  readRootPems,
} from './attestation-trust.ts';

/** Where `riskgate attest import-revocations` installs a status list. */
export function importedRevocationsPath(config: Pick<Config, 'dataDir'>): string {
  return join(resolve(config.dataDir), 'attestation-status.json');
}

/**
 * The attestation trust and settings of a server start: roots from `attestationRoots` (default
 * `<datasets>/google-hardware-attestation-roots`), the status list from `attestationRevocations`
 * (default: an imported list in the data folder, else the dataset snapshot). Roots that cannot be read fail the start, naming the setting.
 */
export async function loadAttestationFromConfig(
  config: Pick<
    Config,
    | 'attestationRoots'
    | 'attestationRevocations'
    | 'attestationChallengeTtl'
    | 'attestationMaxAge'
    | 'dataDir'
  >,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
): Promise<{ trust: AttestationTrust; settings: AttestationSettings }> {
  const defaults = defaultAttestationPaths(defaultDatasetsDir(env));
  const rootsDir = config.attestationRoots ?? defaults.roots;
  let rootPems: string[];
  try {
    rootPems = readRootPems(rootsDir);
  } catch (error) {
    throw new Error(
      `RISKGATE_ATTESTATION_ROOTS (attestationRoots): cannot load roots from ${rootsDir}: ${(error as Error).message}`,
    );
  }
  const imported = importedRevocationsPath(config);
  const revocations =
    config.attestationRevocations ?? (existsSync(imported) ? imported : defaults.revocations);
  const trust = await createAttestationTrust({
    rootPems,
    ...(revocations === undefined ? {} : { revocations }),
    logger,
  });
  logger.info(
    { roots: rootsDir, rootFiles: trust.rootFiles, revocations: trust.status() },
    'attestation trust loaded',
  );
  return {
    trust,
    settings: {
      challengeTtlSeconds: config.attestationChallengeTtl,
      maxAgeSeconds: config.attestationMaxAge,
    },
  };
}
