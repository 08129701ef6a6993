/**
 * `riskgate attest import-revocations <status.json>`: validates an attestation status list
 * downloaded where there is internet (`curl -fsS -o status.json
 * https://android.googleapis.com/attestation/status`) and installs it as
 * `<dataDir>/attestation-status.json`, which the server uses when `RISKGATE_ATTESTATION_REVOCATIONS`
 * is not set (re-read hourly by a running server).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseRevocationList } from '@riskgate/engine';
import { importedRevocationsPath } from '../../attestation/attestation-config.ts';
import { loadConfig } from '../../config.ts';
import type { CommandIo } from '../command.ts';

export const IMPORT_USAGE = `usage: riskgate attest import-revocations <status.json>

Validates an attestation status list (https://android.googleapis.com/attestation/status format) and
installs it as <dataDir>/attestation-status.json for the server (used when
RISKGATE_ATTESTATION_REVOCATIONS is not set). An invalid file changes nothing.
`;

/** Runs the sub-command; exit 0 installed, 2 usage or invalid list. */
export async function importRevocationsCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const [file, ...extra] = args;
  if (file === undefined || extra.length > 0 || file.startsWith('-')) {
    io.stderr.write(IMPORT_USAGE);
    return 2;
  }
  const text = readFileSync(file, 'utf8');
  const list = parseRevocationList(text); // throws RevocationListError: nothing is installed
  const target = importedRevocationsPath(loadConfig(io.env));
  mkdirSync(dirname(target), { recursive: true });
  const temporary = `${target}.tmp-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, target);
  io.stdout.write(`installed ${list.entries.size} attestation status entries as ${target}\n`);
  return 0;
}
