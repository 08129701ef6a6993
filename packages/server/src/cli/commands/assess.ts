/**
 * `riskgate assess <snapshot.json> [--intel <file-or-dir>]... [--json] [--now ISO]`: an offline
 * check (like MVT's check commands). Loads intel from the given paths, validates the snapshot
 * against the engine's schema, assesses it and prints the threats, their evidence and the risk.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  type Assessment,
  assess,
  buildIntelIndex,
  type Detection,
  type Evidence,
  type IntelIndex,
  type Snapshot,
  SnapshotSchema,
} from '@riskgate/engine';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type IntelFileReport, loadIntelFiles } from '../../intel/load-files.ts';
// Registers the `date-time` format TypeBox needs for snapshot timestamps.
import '../../validation.ts';
import type { Command, CommandIo } from '../command.ts';

const USAGE = `usage: riskgate assess <snapshot.json> [--intel <file-or-dir>]... [--json] [--now ISO]

Assesses one device snapshot offline against threat intelligence files and prints its threats,
their evidence and the device risk level.

options:
  --intel PATH   an intel file or a directory of them (repeatable; default: none)
  --json         print the assessment as JSON
  --now ISO      assessment time (default: now)
exit status: 0 assessed (whatever the risk), 1 unreadable input or intel, 2 usage error
`;

const snapshotChecker = TypeCompiler.Compile(SnapshotSchema);

/** Why a snapshot does not match the schema: up to five `path: message` lines. */
function snapshotErrors(value: unknown): string[] {
  return [...snapshotChecker.Errors(value)]
    .slice(0, 5)
    .map((e) => `${e.path === '' ? '(root)' : e.path}: ${e.message}`);
}

function evidenceText(evidence: Evidence): string {
  const detail = evidence.detail ?? {};
  const parts = [`${evidence.subject}=${evidence.observed}`];
  if (evidence.indicator !== undefined && evidence.indicator !== evidence.observed)
    parts.push(`matched ${evidence.indicator}`);
  if (evidence.provenance?.source !== undefined) parts.push(`(${evidence.provenance.source})`);
  for (const key of ['cve', 'cves', 'release', 'fixedIn', 'eol', 'cycle']) {
    const value = detail[key];
    if (value !== undefined && value !== null) parts.push(`${key}=${String(value)}`);
  }
  return parts.join(' ');
}

function feedsOf(detection: Detection): string {
  const feeds = new Set<string>();
  for (const e of detection.evidence) {
    if (e.provenance !== undefined) feeds.add(e.provenance.feed);
    const feed = e.detail?.feed;
    if (typeof feed === 'string') feeds.add(feed);
  }
  return [...feeds].join(', ');
}

function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, i) => Math.min(60, Math.max(...rows.map((r) => (r[i] ?? '').length)))) ?? [];
  const cut = (text: string, width: number) =>
    text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
  return rows
    .map((r) =>
      r
        .map((cell, i) => cut(cell, widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function render(
  snapshot: Snapshot,
  result: Assessment,
  intel: IntelIndex,
  files: readonly IntelFileReport[],
): string {
  const { device } = snapshot;
  const loaded = files.filter((f) => f.status === 'loaded').length;
  const stats = intel.stats();
  const lines = [
    `device: ${device.platform} ${device.osVersion}${device.securityPatch === undefined ? '' : ` (patch ${device.securityPatch})`}, ${device.manufacturer} ${device.model}`,
    `intel:  ${loaded} files, ${stats.indicators} indicators, ${stats.kev} KEV entries, version ${intel.version}`,
    `risk:   ${result.riskLevel.toUpperCase()}: ${result.explanation.summary}`,
    '',
  ];
  if (result.detections.length === 0) return `${lines.join('\n')}no threats found\n`;
  const rows = [['THREAT', 'RISK', 'EVIDENCE', 'FAMILY', 'FEED']];
  for (const d of result.detections) {
    const [first, ...rest] = d.evidence;
    rows.push([
      d.key,
      d.risk,
      first === undefined ? d.summary : evidenceText(first),
      d.family ?? '',
      feedsOf(d),
    ]);
    for (const e of rest.slice(0, 4)) rows.push(['', '', evidenceText(e), '', '']);
    if (rest.length > 4) rows.push(['', '', `… ${rest.length - 4} more`, '', '']);
  }
  return `${lines.join('\n')}${table(rows)}\n`;
}

export const command: Command = {
  summary: 'assess a snapshot offline against intel files',
  usage: USAGE,
  async run(args: readonly string[], io: CommandIo): Promise<number> {
    let parsed: ReturnType<typeof parse>;
    const parse = (argv: readonly string[]) =>
      parseArgs({
        args: [...argv],
        allowPositionals: true,
        options: {
          intel: { type: 'string', multiple: true },
          json: { type: 'boolean', default: false },
          now: { type: 'string' },
          help: { type: 'boolean', short: 'h', default: false },
        },
      });
    try {
      parsed = parse(args);
    } catch (error) {
      io.stderr.write(
        `riskgate assess: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`,
      );
      return 2;
    }
    const { values, positionals } = parsed;
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length !== 1 || positionals[0] === undefined) {
      io.stderr.write(`riskgate assess: expected one snapshot file\n\n${USAGE}`);
      return 2;
    }
    const now = values.now === undefined ? new Date() : new Date(values.now);
    if (Number.isNaN(now.getTime())) {
      io.stderr.write(`riskgate assess: --now is not a date: ${values.now}\n\n${USAGE}`);
      return 2;
    }
    const snapshotPath = positionals[0];
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(snapshotPath, 'utf8')) as unknown;
    } catch (error) {
      io.stderr.write(
        `riskgate assess: cannot read snapshot ${snapshotPath}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return 1;
    }
    if (!snapshotChecker.Check(raw)) {
      io.stderr.write(
        `riskgate assess: ${snapshotPath} is not a valid snapshot:\n${snapshotErrors(raw)
          .map((e) => `  ${e}\n`)
          .join('')}`,
      );
      return 1;
    }
    const snapshot: Snapshot = raw;
    const started = performance.now();
    const loaded = await loadIntelFiles(values.intel ?? []);
    if (loaded.errors.length > 0) {
      for (const error of loaded.errors) io.stderr.write(`riskgate assess: intel: ${error.message}\n`);
      return 1;
    }
    const intel = buildIntelIndex(loaded.feeds);
    const loadMs = performance.now() - started;
    // assess() runs the built-in detectors, OS detectors included.
    const result = assess(snapshot, intel, {}, { now });
    if (values.json) {
      const output = {
        riskLevel: result.riskLevel,
        explanation: result.explanation,
        detections: result.detections,
        intel: {
          version: intel.version,
          stats: intel.stats(),
          loadMs: Math.round(loadMs),
          files: loaded.files,
        },
        assessedAt: now.toISOString(),
      };
      io.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    } else {
      io.stdout.write(render(snapshot, result, intel, loaded.files));
    }
    return 0;
  },
};
