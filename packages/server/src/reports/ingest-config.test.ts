import { describe, expect, it } from 'vitest';
import type { IngestConfigRow } from '../queries/ingest-config.ts';
import { classificationOf } from './ingest-config.ts';

const override = (key: string, value: string): IngestConfigRow => ({ kind: 'o', key, value });

describe('classificationOf', () => {
  it.each([
    { rows: [], byType: {}, byFamily: {} },
    { rows: [override('stalkerware', 'low')], byType: { stalkerware: 'low' }, byFamily: {} },
    { rows: [override('family:FlexiSpy', 'high')], byType: {}, byFamily: { flexispy: 'high' } },
    { rows: [override('rooted', 'severe')], byType: {}, byFamily: {} },
  ])('$rows.length rows', ({ rows, byType, byFamily }) => {
    expect(classificationOf(rows)).toEqual({ byType, byFamily });
  });
});
