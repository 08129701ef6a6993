/**
 * `riskgate attest verify <chain.pem|dir> [--now ISO] [--revocations status.json] [--roots dir]
 * [--challenge hex] [--json]`: verifies Android Key Attestation chains the way the server does and
 * prints the parsed KeyDescription and the verdict. For admins and for debugging.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type AttestationResult,
  type AuthorizationList,
  EMPTY_REVOCATION_LIST,
  parseRevocationList,
  parseTrustedRoots,
  type RevocationList,
  verifyAttestation,
} from '@riskgate/engine';
import type { Command, CommandIo } from '../command.ts';
import { IMPORT_USAGE, importRevocationsCommand } from './attest-import.ts';

const USAGE = `usage: riskgate attest verify <chain.pem|dir> [options]

Verifies Android Key Attestation certificate chains (leaf first) against Google's hardware
attestation roots, matched by public key. A file may be PEM, one base64 DER certificate per line,
or a JSON array of base64 DER strings (as in an agent report). A directory verifies every .pem in it.

options:
  --now ISO                 verification time (default: now)
  --revocations FILE        status list JSON (default: the dataset snapshot; "none" to skip)
  --roots DIR               directory of trusted root PEM files (default: the dataset roots)
  --challenge HEX           the challenge the server issued; a different one is refused
  --json                    print the results as JSON
exit status: 0 all verified, 1 some refused, 2 usage or input error

${IMPORT_USAGE}`;

/** `<repoRoot>/../shared/datasets`, or `RISKGATE_DATASETS`. */
function datasetsDir(env: CommandIo['env']): string {
  const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
  return env.RISKGATE_DATASETS ?? join(repoRoot, '..', 'shared', 'datasets');
}

class UsageError extends Error {}

function readRoots(directory: string): string[] {
  const files = readdirSync(directory).filter((name) => name.endsWith('.pem') || name.endsWith('.crt'));
  if (files.length === 0) throw new UsageError(`no .pem root certificates in ${directory}`);
  return files.sort().map((name) => readFileSync(join(directory, name), 'utf8'));
}

function readRevocations(path: string): RevocationList {
  return path === 'none' ? EMPTY_REVOCATION_LIST : parseRevocationList(readFileSync(path, 'utf8'));
}

/** A chain file: PEM, a JSON array of base64 DER, or base64 DER lines. */
export function readChainFile(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.includes('-----BEGIN')) return [trimmed];
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
      throw new UsageError('a JSON chain file must be an array of base64 strings');
    }
    return parsed;
  }
  return trimmed.split(/\r?\n/).filter((line) => line.trim() !== '');
}

function chainFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((name) => name.endsWith('.pem'))
    .sort()
    .map((name) => join(path, name));
  if (files.length === 0) throw new UsageError(`no .pem chains in ${path}`);
  return files;
}

function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function formatList(title: string, list: AuthorizationList): string[] {
  const lines = [`  ${title}:`];
  for (const [key, value] of Object.entries(list)) {
    if (key === 'rootOfTrust' && typeof value === 'object' && value !== null) {
      lines.push('    rootOfTrust:');
      for (const [field, member] of Object.entries(value))
        lines.push(`      ${field}: ${formatValue(member)}`);
    } else {
      lines.push(`    ${key}: ${formatValue(value)}`);
    }
  }
  return lines;
}

/** Human-readable report of one verification. */
export function formatResult(file: string, result: AttestationResult): string {
  const lines = [`chain ${file} (${result.certificates.length} certificates)`];
  result.certificates.forEach((c, index) => {
    lines.push(
      `  [${index}] ${c.subject}  serial ${c.serial}  ${c.notBefore} → ${c.notAfter}  ${c.publicKeyAlgorithm}`,
    );
  });
  if (result.trustedRoot !== undefined) lines.push(`  trusted root: ${result.trustedRoot}`);
  const description = result.keyDescription;
  if (description !== undefined) {
    lines.push('KeyDescription');
    lines.push(
      `  attestation version ${description.attestationVersion}, ${description.attestationSecurityLevel}`,
    );
    lines.push(
      `  keymaster/KeyMint version ${description.keymasterVersion}, ${description.keymasterSecurityLevel}`,
    );
    lines.push(
      `  challenge: ${description.attestationChallengeHex} (base64 ${description.attestationChallenge})`,
    );
    if (description.uniqueId !== '') lines.push(`  uniqueId: ${description.uniqueId}`);
    lines.push(...formatList('softwareEnforced', description.softwareEnforced));
    lines.push(...formatList('hardwareEnforced', description.hardwareEnforced));
  }
  const { facts } = result;
  lines.push('Attested facts');
  lines.push(
    `  OS ${facts.osVersion ?? '?'}, patch ${facts.patchLevel ?? '?'}, vendor ${facts.vendorPatchLevel ?? '?'}, boot ${facts.bootPatchLevel ?? '?'}`,
  );
  lines.push(
    `  bootloader ${facts.bootloaderLocked === undefined ? '?' : facts.bootloaderLocked ? 'locked' : 'UNLOCKED'}, verified boot ${facts.verifiedBootState ?? '?'}${facts.verifiedBootColor === undefined ? '' : ` (${facts.verifiedBootColor})`}`,
  );
  const ids = [facts.manufacturer, facts.brand, facts.model, facts.device].filter((id) => id !== undefined);
  if (ids.length > 0) lines.push(`  device ids: ${ids.join(' / ')}`);
  if (facts.packageNames.length > 0) lines.push(`  requested by: ${facts.packageNames.join(', ')}`);
  lines.push(`Verdict: ${result.verdict.toUpperCase()}`);
  for (const reason of result.reasons) {
    const where = reason.certificateIndex === undefined ? '' : ` [certificate ${reason.certificateIndex}]`;
    lines.push(`  - ${reason.code}${where}: ${reason.message}`);
  }
  return `${lines.join('\n')}\n`;
}

async function verifyCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      now: { type: 'string' },
      revocations: { type: 'string' },
      roots: { type: 'string' },
      challenge: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const [target, ...extra] = positionals;
  if (target === undefined || extra.length > 0)
    throw new UsageError('expected exactly one chain file or directory');
  const now = values.now === undefined ? new Date() : new Date(values.now);
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now is not an ISO date: ${values.now}`);
  if (values.challenge !== undefined && !/^([0-9a-fA-F]{2})+$/.test(values.challenge)) {
    throw new UsageError('--challenge must be hex');
  }
  const datasets = datasetsDir(io.env);
  const rootFiles = readRoots(values.roots ?? join(datasets, 'google-hardware-attestation-roots'));
  const roots = parseTrustedRoots(rootFiles);
  const revocations = readRevocations(
    values.revocations ?? join(datasets, 'android-attestation-revocation', 'status.json'),
  );
  const results: { file: string; result: AttestationResult }[] = [];
  for (const file of chainFiles(target)) {
    const chain = readChainFile(readFileSync(file, 'utf8'));
    const result = await verifyAttestation({
      chain,
      now,
      roots,
      revocations,
      ...(values.challenge === undefined ? {} : { expectedChallenge: values.challenge }),
    });
    results.push({ file, result });
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
  } else {
    io.stdout.write(
      `verified at ${now.toISOString()} against ${rootFiles.length} root file(s) (${roots.byPublicKey.size} distinct keys), ${revocations.entries.size} revocation entries\n\n`,
    );
    io.stdout.write(results.map(({ file, result }) => formatResult(file, result)).join('\n'));
  }
  return results.every(({ result }) => result.verdict === 'verified') ? 0 : 1;
}

export const command: Command = {
  summary: 'verify Android Key Attestation chains and print the KeyDescription',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
      io.stderr.write(USAGE);
      return sub === undefined ? 2 : 0;
    }
    if (sub !== 'verify' && sub !== 'import-revocations') {
      io.stderr.write(`unknown attest sub-command: ${sub}\n\n${USAGE}`);
      return 2;
    }
    try {
      return sub === 'verify' ? await verifyCommand(rest, io) : await importRevocationsCommand(rest, io);
    } catch (error) {
      // Bad arguments, unreadable files and malformed lists are the user's to fix: say so, exit 2.
      const known = error instanceof UsageError || error instanceof SyntaxError || isNodeUsageError(error);
      if (!known) throw error;
      io.stderr.write(`riskgate attest: ${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
  },
};

function isNodeUsageError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  return (
    error.name === 'RevocationListError' ||
    error.name === 'CertificateDecodeError' ||
    code === 'ENOENT' ||
    code === 'EISDIR' ||
    code === 'EACCES' ||
    (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
  );
}
