import type { FeedRecord, Provenance } from '../types.ts';
import type { ParsedFeed } from './types.ts';

/**
 * The feed with every indicator's provenance naming the stored feed it was loaded from (id, name,
 * upload or import time), so that threat evidence and explanations can name it. Provenance objects
 * shared by many indicators stay shared. Pure: the input is not modified.
 */
export function withFeedRecord(feed: ParsedFeed, record: FeedRecord): ParsedFeed {
  const copies = new Map<Provenance, Provenance>();
  const indicators = feed.indicators.map(({ kind, value, provenance }) => {
    let copy = copies.get(provenance);
    if (copy === undefined) {
      copy = { ...provenance, feedRecord: record };
      copies.set(provenance, copy);
    }
    return { kind, value, provenance: copy };
  });
  return { ...feed, indicators };
}

/** How evidence names an indicator's source in one line: feed, stored feed, and the indicator's own reference. */
export function describeSource(provenance: Provenance): string {
  const parts = [`feed ${provenance.feed}`];
  const record = provenance.feedRecord;
  if (record !== undefined) {
    const how =
      record.via === 'upload'
        ? 'uploaded'
        : record.via === 'import'
          ? 'imported'
          : record.via === 'fetch'
            ? 'fetched'
            : 'loaded at start-up';
    parts.push(`(${record.name}, ${record.id}, ${how} ${record.importedAt})`);
  }
  if (provenance.source !== undefined) parts.push(`at ${provenance.source}`);
  if (provenance.reference !== undefined) parts.push(`report ${provenance.reference}`);
  return parts.join(' ');
}
