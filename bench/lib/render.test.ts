import { describe, expect, it } from 'vitest';
import { formatNumber, formatRatio, renderMarkdown, renderMarkdownTable, renderTable } from './render.ts';
import { type BenchOutcome, type RunReport, row } from './types.ts';

const machine = {
  cpuModel: 'Test CPU',
  cores: 2,
  memoryGiB: 4,
  node: 'v20.0.0',
  platform: 'linux 6.1',
  loadStart: [0.5, 0.4, 0.3],
  loadEnd: [0.6, 0.5, 0.4],
};

const engine: BenchOutcome = {
  name: 'engine',
  description: 'Engine things.',
  rows: [
    row('assess median', 'µs', 20, 5, { text: '< 50 µs', met: true }),
    row('build', 'ms', 1234.5, undefined),
  ],
  notes: ['a note'],
  seconds: 3,
};

const report = (outcomes: readonly BenchOutcome[], date = '2026-11-25T18:00:00Z'): RunReport => ({
  command: 'npm run bench',
  date,
  seed: 7,
  machine,
  outcomes,
});

describe('formatNumber', () => {
  it.each([
    [undefined, '—'],
    [Number.NaN, '—'],
    [0, '0'],
    [0.012345, '0.0123'],
    [4.2, '4.20'],
    [45.67, '45.7'],
    [456.7, '457'],
    [12345.6, '12,346'],
    [Number.POSITIVE_INFINITY, '∞'],
  ])('%s → %s', (value, expected) => {
    expect(formatNumber(value)).toBe(expected);
  });

  it('formats ratios with a multiplication sign', () => {
    expect(formatRatio(4)).toBe('4.00×');
    expect(formatRatio(undefined)).toBe('—');
  });
});

describe('row', () => {
  it('computes riskgate ÷ baseline and leaves it out without a baseline', () => {
    expect(row('m', 'ms', 30, 10).ratio).toBe(3);
    expect(row('m', 'ms', 30, undefined).ratio).toBeUndefined();
    expect(row('m', 'ms', 30, 0).ratio).toBeUndefined();
  });
});

describe('renderTable', () => {
  it('aligns columns and shows targets', () => {
    const lines = renderTable(engine.rows).split('\n');
    expect(lines[0]).toMatch(/^metric\s+Riskgate\s+baseline\s+ratio\s+unit\s+target\s+met$/);
    expect(lines[2]).toContain('4.00×');
    expect(lines[2]).toContain('< 50 µs');
    expect(lines[2]).toMatch(/yes$/);
    expect(lines[3]).toContain('1,235');
    expect(lines[3]).toContain('—');
    const widths = new Set(lines.slice(0, 2).map((line) => line.length));
    expect(widths.size).toBe(1);
  });

  it('marks a missed target', () => {
    expect(renderTable([row('m', 'µs', 80, 5, { text: '< 50 µs', met: false })])).toMatch(/NO$/m);
  });
});

describe('renderMarkdown', () => {
  it('renders a section with machine, command, seed, table and notes', () => {
    const md = renderMarkdown(report([engine]));
    expect(md).toContain('<!-- bench:engine -->');
    expect(md).toContain('`npm run bench` (seed 7');
    expect(md).toContain('Test CPU, 2 cores, 4.0 GiB, Node v20.0.0');
    expect(md).toContain('| assess median | 20.0 | 5.00 | 4.00× | µs | < 50 µs | yes |');
    expect(md).toContain('- a note');
    expect(md).not.toContain('shared with other work');
    expect(renderMarkdownTable(engine.rows).split('\n')).toHaveLength(4);
  });

  it('says when the machine was loaded', () => {
    const loaded = { ...report([engine]), machine: { ...machine, loadStart: [6, 5, 4] } };
    expect(renderMarkdown(loaded)).toContain('shared with other work');
  });

  it('replaces the sections that ran and keeps the others and the findings', () => {
    const decide: BenchOutcome = { ...engine, name: 'decide', description: 'Decide things.' };
    const first = renderMarkdown(report([engine, decide], 'FIRST'));
    const edited = first.replace('(none yet)', 'Hand-written finding.');
    const second = renderMarkdown(report([engine], 'SECOND'), edited);
    expect(second).toContain('Hand-written finding.');
    expect(second.match(/<!-- bench:engine -->/g)).toHaveLength(1);
    expect(second).toMatch(/bench:decide -->[\s\S]*FIRST/);
    expect(second).toMatch(/bench:engine -->[\s\S]*SECOND[\s\S]*\/bench:engine/);
    expect(second.indexOf('bench:decide')).toBeLessThan(second.indexOf('bench:engine'));
  });

  it('shows a failed benchmark', () => {
    const failed: BenchOutcome = { ...engine, rows: [], notes: [], error: 'boom' };
    expect(renderMarkdown(report([failed]))).toContain('**Failed:** boom');
  });
});
