import { loadProfileIntel, locateDatasets } from '../../profiles/datasets.ts';
import type { FleetProgress, FleetSummary } from '../../simulator/fleet.ts';
import { runFleet } from '../../simulator/fleet.ts';
import { parseMix } from '../../simulator/mix.ts';
import { counterDelta, readIngestCounters } from '../../simulator/server-metrics.ts';
import { parseDuration, parseOptions, positiveInt, positiveNumber, required } from '../args.ts';
import { type Command, UsageError } from '../command.ts';

function formatProgress(p: FleetProgress): string {
  const seconds = (p.elapsedMs / 1000).toFixed(0).padStart(4);
  return p.phase === 'enroll'
    ? `[${seconds}s] enrolled ${p.enrolled} (errors ${p.enrollErrors})\n`
    : `[${seconds}s] reports sent ${p.sent}, acknowledged ${p.acknowledged}, errors ${p.errors}, in flight ${p.inFlight}\n`;
}

function formatSummary(s: FleetSummary): string {
  const l = s.latencyMs;
  const lines = [
    `devices          ${s.devices} (${Object.entries(s.profiles)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ')})`,
    `enrolled         ${s.enrolled} in ${s.enrollSeconds} s (errors ${s.enrollErrors}, p50 ${s.enrollLatencyMs.p50} ms, p99 ${s.enrollLatencyMs.p99} ms)`,
    `reports sent     ${s.reportsSent}`,
    `acknowledged     ${s.acknowledged} (duplicates ${s.duplicates})`,
    `errors           ${s.errors}${Object.keys(s.errorsByCode).length > 0 ? ` ${JSON.stringify(s.errorsByCode)}` : ''}`,
    `rate-limited     ${s.rateLimited} (retried after Retry-After; not errors)`,
    `latency          p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms`,
    `rate             ${s.achievedRate}/s achieved over ${s.reportSeconds} s (target ${s.targetRate}/s)`,
    `risk levels      ${Object.entries(s.riskLevels)
      .map(([level, count]) => `${level} ${count}`)
      .join(', ')}`,
    `threats          ${s.threatsFixed} fixed, ${s.threatsAppeared} reappeared`,
  ];
  // Zero on the demo tenant; elsewhere `rogue-ap` needs the tenant to list the network it imitates.
  lines.push(
    Object.keys(s.expectationMismatches).length === 0
      ? 'unexpected risk  none (every reply had the risk its profile promises)'
      : `unexpected risk  ${JSON.stringify(s.expectationMismatches)} (rogue-ap needs the imitated network in the tenant's known networks: PUT /v1/admin/settings/detection)`,
  );
  return `${lines.join('\n')}\n`;
}

export const command: Command = {
  summary: 'enroll N simulated devices and load the server with reports',
  usage:
    'riskgate-agent simulate --server URL --token T [--devices N=100] [--rate R=50] [--duration D=30s] [--mix clean=90,stalkerware=5,mitm=5] [--seed S] [--enroll-concurrency C=32] [--max-in-flight M=256] [--json]',
  async run(args, io) {
    const options = parseOptions(args, {
      server: { type: 'string' },
      token: { type: 'string' },
      devices: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      mix: { type: 'string' },
      seed: { type: 'string' },
      'enroll-concurrency': { type: 'string' },
      'max-in-flight': { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
    });
    let mix: ReturnType<typeof parseMix>;
    try {
      mix = parseMix(options.mix ?? 'clean=90,stalkerware=5,mitm=5');
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    const server = required(options.server, 'server');
    const before = await readIngestCounters(server);
    const summary = await runFleet({
      server,
      token: required(options.token, 'token'),
      devices: positiveInt(options.devices, 'devices', 100),
      ratePerSecond: positiveNumber(options.rate, 'rate', 50),
      durationMs: parseDuration(options.duration, 'duration', 30_000),
      mix,
      intel: loadProfileIntel(locateDatasets(io.env)),
      seed: options.seed ?? 'fleet',
      enrollConcurrency: positiveInt(options['enroll-concurrency'], 'enroll-concurrency', 32),
      maxInFlight: positiveInt(options['max-in-flight'], 'max-in-flight', 256),
      ...(options.quiet
        ? {}
        : { onProgress: (progress: FleetProgress) => io.stderr.write(formatProgress(progress)) }),
    });
    const after = before === undefined ? undefined : await readIngestCounters(server);
    // Server-side view of the same run (exact only when nothing else reports meanwhile).
    const serverIngested =
      before !== undefined && after !== undefined ? counterDelta(before, after) : undefined;
    io.stdout.write(
      options.json
        ? `${JSON.stringify({ ...summary, serverIngested }, null, 2)}\n`
        : `${formatSummary(summary)}${serverIngested === undefined ? '' : `server metrics   stored ${serverIngested.stored}, duplicate ${serverIngested.duplicate}, rejected ${serverIngested.rejected} (riskgate_reports_ingested_total delta)\n`}`,
    );
    return summary.errors === 0 ? 0 : 1;
  },
};
