import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { verifyAuditLog } from '../../audit/audit-verify-report.ts';
import {
  type CheckpointVerifier,
  checkpointJwksOf,
  checkpointKeySetFromJwks,
  checkpointPublicKeyOf,
  findCheckpointKey,
  findCheckpointKeySet,
  findCheckpointVerifier,
  keySetOf,
  rotateCheckpointKey,
} from '../../audit/checkpoint-key.ts';
import {
  type AnchoredAuditVerification,
  DEFAULT_MAX_UNANCHORED_AGE_MS,
  describeTail,
} from '../../audit/checkpoint-verify.ts';
import { createAuditCheckpointer } from '../../audit/checkpoint-writer.ts';
import {
  auditCheckpointFileOf,
  type Config,
  ConfigError,
  loadConfig,
  resolveSecretKey,
} from '../../config.ts';
import { createSecretBox } from '../../crypto/secret-box.ts';
import type { Db } from '../../db/database.ts';
import type { Command, CommandIo } from '../command.ts';
import { openConfiguredDatabase } from '../open-database.ts';

const USAGE = [
  'riskgate audit verify [--tenant <id>] [--checkpoints <file>] [--keys <jwks.json> | --public-key <pem>] [--max-unanchored-age <s>] [--json]',
  'riskgate audit checkpoint        sign every moved chain head now (as the server does on its schedule)',
  'riskgate audit key               print the current checkpoint public key',
  'riskgate audit export-keys [--out <file>]   every checkpoint public key, current and retired, as JWKS',
  'riskgate audit rotate-key        make a new checkpoint key; the old one is retired, its checkpoints still verify',
].join('\n       ');

/**
 * The checkpoint keys: an exported key set or one pinned public key if given (no trust in the
 * database), else the server's own, current and retired (needs the secret key).
 */
async function verifierOf(
  config: Config,
  db: Db,
  keysFile: string | undefined,
  publicKeyFile: string | undefined,
): Promise<CheckpointVerifier> {
  if (keysFile !== undefined) return { keys: checkpointKeySetFromJwks(readFileSync(keysFile, 'utf8')) };
  if (publicKeyFile !== undefined)
    return { keys: keySetOf(checkpointPublicKeyOf(readFileSync(publicKeyFile, 'utf8'))) };
  let secretKey: Buffer;
  try {
    secretKey = resolveSecretKey(config, { allowGenerate: false });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return {
      missing:
        'no secret key to open the checkpoint keys: pass --keys (from `audit export-keys`) or set RISKGATE_SECRET_KEY',
    };
  }
  return findCheckpointVerifier({ db, box: createSecretBox(secretKey) });
}

const LABEL: Readonly<Record<NonNullable<AnchoredAuditVerification['problem']>, string>> = {
  broken: 'BROKEN',
  deleted: 'DELETED',
  truncated: 'TRUNCATED',
  rewritten: 'REWRITTEN',
  'forged-checkpoint': 'FORGED CHECKPOINT',
  unanchored: 'UNANCHORED TAIL',
};

function describe(tenantId: string, result: AnchoredAuditVerification): string {
  if (result.ok) {
    const anchor =
      result.checkpoints === 0
        ? 'no checkpoint yet'
        : `anchored up to seq ${result.anchoredSeq} by ${result.checkpoints} checkpoint(s)`;
    const tail =
      result.unanchored === undefined
        ? ''
        : `; unanchored tail: ${describeTail(result.unanchored, result.lastCheckpointSeq)} (recent: a round anchors them within about a second)`;
    return `${tenantId}: ok (${result.checked} entries) ${anchor}${tail}`;
  }
  const label = result.problem === undefined ? 'BROKEN' : LABEL[result.problem];
  const where = result.firstBrokenSeq === undefined ? '' : ` at seq ${result.firstBrokenSeq}`;
  return `${tenantId}: ${label}${where}: ${result.reason} (${result.checked} entries verified before it)`;
}

async function verify(args: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      tenant: { type: 'string' },
      checkpoints: { type: 'string' },
      'public-key': { type: 'string' },
      keys: { type: 'string' },
      'max-unanchored-age': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const maxAge = values['max-unanchored-age'];
  const maxUnanchoredAgeMs = maxAge === undefined ? DEFAULT_MAX_UNANCHORED_AGE_MS : Number(maxAge) * 1000;
  if (!Number.isFinite(maxUnanchoredAgeMs) || maxUnanchoredAgeMs < 0) {
    io.stderr.write(`--max-unanchored-age takes seconds (0 or more), not ${maxAge}\n`);
    return 2;
  }
  const config = loadConfig(io.env);
  const file = values.checkpoints ?? auditCheckpointFileOf(config);
  const db = await openConfiguredDatabase(config);
  try {
    const verifier = await verifierOf(config, db, values.keys, values['public-key']);
    const keyIds = verifier.keys === undefined ? [] : [...verifier.keys.keys()];
    const report = await verifyAuditLog(db.db, {
      file,
      verifier,
      tenantId: values.tenant,
      policy: { now: new Date(), maxUnanchoredAgeMs },
    });
    if (report === undefined) {
      io.stderr.write(`no tenant ${values.tenant} in the database or the checkpoints\n`);
      return 2;
    }
    if (values.json === true) {
      const json = {
        checkpointFile: file,
        keyIds,
        malformedLines: report.malformedLines,
        legacyLines: report.legacyLines,
        fileProblem: report.fileProblem ?? null,
        tenants: report.tenants,
      };
      io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      io.stdout.write(
        `checkpoints: ${file} (${report.checkpointLines} checkpoint(s)); keys: ${keyIds.length === 0 ? 'none' : keyIds.join(', ')}\n`,
      );
      if (verifier.missing !== undefined) io.stdout.write(`note: ${verifier.missing}\n`);
      if (report.malformedLines.length > 0)
        io.stdout.write(`note: lines that are not checkpoints: ${report.malformedLines.join(', ')}\n`);
      if (report.legacyLines.length > 0)
        io.stdout.write(
          `note: ${report.legacyLines.length} version 1 line(s), written before the file was chained\n`,
        );
      const broken = report.fileProblem;
      io.stdout.write(
        broken === undefined
          ? 'checkpoint file: ok (every line links to the one before it)\n'
          : `checkpoint file: ${broken.problem === 'backwards' ? 'BACKWARDS' : 'CHAIN BROKEN'} at line ${broken.line}: ${broken.reason}${broken.tenantId === undefined ? '' : ` (tenant ${broken.tenantId})`}\n`,
      );
      for (const result of report.tenants) io.stdout.write(`${describe(result.tenantId, result)}\n`);
    }
    return report.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

/** Opens the database and the server key the way `serve` does (the secret key is required). */
async function withServerKey<T>(
  io: CommandIo,
  run: (ctx: { db: Db; config: Config; box: ReturnType<typeof createSecretBox> }) => Promise<T>,
): Promise<T> {
  const config = loadConfig(io.env);
  const box = createSecretBox(resolveSecretKey(config, { allowGenerate: false }));
  const db = await openConfiguredDatabase(config);
  try {
    return await run({ db, config, box });
  } finally {
    await db.close();
  }
}

/** `riskgate audit verify|checkpoint|key`: the audit log's hash chain and its signed checkpoints. */
export const command: Command = {
  summary:
    'verify the audit log against its signed checkpoints; write a checkpoint; print, export or rotate the keys',
  usage: USAGE,
  async run(args, io) {
    const [action, ...rest] = args;
    if (action === 'verify') return verify(rest, io);
    if (action === 'checkpoint' && rest.length === 0) {
      return withServerKey(io, async ({ db, config, box }) => {
        const logger = pino({ level: 'warn' }, { write: (line: string) => io.stderr.write(line) });
        const file = auditCheckpointFileOf(config);
        const written = await createAuditCheckpointer(
          { db, box, now: () => new Date(), logger },
          { file, intervalMs: 0 },
        ).checkpointNow();
        io.stdout.write(`${written.length} checkpoint(s) appended to ${file}\n`);
        for (const checkpoint of written)
          io.stdout.write(`${checkpoint.tenantId}: seq ${checkpoint.seq} ${checkpoint.hash}\n`);
        return 0;
      });
    }
    if (action === 'key' && rest.length === 0) {
      return withServerKey(io, async ({ db, box }) => {
        const key = await findCheckpointKey({ db, box });
        if (key === undefined) {
          io.stderr.write(
            'no checkpoint key yet: it is made with the first checkpoint (`riskgate audit checkpoint`)\n',
          );
          return 1;
        }
        io.stdout.write(`key id: ${key.keyId} (${key.algorithm})\n${key.publicKeyPem}`);
        return 0;
      });
    }
    if (action === 'export-keys') {
      const { values } = parseArgs({ args: rest, options: { out: { type: 'string' } }, strict: true });
      return withServerKey(io, async ({ db, box }) => {
        const { keys, unopened } = await findCheckpointKeySet({ db, box });
        if (unopened.length > 0)
          io.stderr.write(`warning: key rows that do not open with the secret key: ${unopened.join(', ')}\n`);
        if (keys.size === 0) {
          io.stderr.write('no checkpoint key yet: it is made with the first checkpoint\n');
          return 1;
        }
        const jwks = `${JSON.stringify(checkpointJwksOf(keys), null, 2)}\n`;
        if (values.out === undefined) io.stdout.write(jwks);
        else {
          writeFileSync(values.out, jwks);
          io.stdout.write(`${keys.size} key(s) written to ${values.out}\n`);
        }
        return 0;
      });
    }
    if (action === 'rotate-key' && rest.length === 0) {
      return withServerKey(io, async ({ db, box }) => {
        const { retired, current } = await rotateCheckpointKey({ db, box, now: () => new Date() });
        io.stdout.write(
          `retired key: ${retired} (kept: its checkpoints still verify)\nnew key:     ${current} (signs from the next round)\nexport the key set again: riskgate audit export-keys --out <file>\n`,
        );
        return 0;
      });
    }
    io.stderr.write(`usage: ${USAGE}\n`);
    return 2;
  },
};
