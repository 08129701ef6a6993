/** Counters read from the server's Prometheus endpoint, to cross-check the simulator's summary. */
export interface IngestCounters {
  readonly stored: number;
  readonly duplicate: number;
  readonly rejected: number;
}

const LINE = /^riskgate_reports_ingested_total\{outcome="(\w+)"\}\s+([0-9.e+]+)$/;

/** Parses `riskgate_reports_ingested_total{outcome="…"}` from a Prometheus text exposition. */
export function parseIngestCounters(text: string): IngestCounters {
  const counters = { stored: 0, duplicate: 0, rejected: 0 };
  for (const line of text.split('\n')) {
    const match = LINE.exec(line.trim());
    const outcome = match?.[1];
    if (outcome === 'stored' || outcome === 'duplicate' || outcome === 'rejected')
      counters[outcome] = Number(match?.[2]);
  }
  return counters;
}

/** Reads the counters from `<server>/metrics`; `undefined` when the endpoint does not answer. */
export async function readIngestCounters(server: string): Promise<IngestCounters | undefined> {
  try {
    const response = await fetch(new URL('metrics', server.endsWith('/') ? server : `${server}/`), {
      signal: AbortSignal.timeout(10_000),
    });
    return response.ok ? parseIngestCounters(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}

/** After minus before, per outcome. */
export function counterDelta(before: IngestCounters, after: IngestCounters): IngestCounters {
  return {
    stored: after.stored - before.stored,
    duplicate: after.duplicate - before.duplicate,
    rejected: after.rejected - before.rejected,
  };
}
