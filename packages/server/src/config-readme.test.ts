import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, ENV_KEYS } from './config.ts';

/** The README's settings table: env name → its row's default cell (`…_X` abbreviations expanded). */
function readmeSettings(): Map<string, string> {
  const readme = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
  const rows = new Map<string, string>();
  const start = readme.indexOf('| setting | default | meaning |');
  for (const line of readme.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const [setting = '', defaults = ''] = line.split('|').slice(1, 3);
    let previous = '';
    for (const match of setting.matchAll(/`((?:RISKGATE|DATABASE)_[A-Z_]+|…_[A-Z_]+)`/g)) {
      let full = match[1] ?? '';
      if (full.startsWith('…')) {
        // `…_X_Y` replaces the last segments (as many as it has) of the first name in the cell.
        const suffix = full.slice(1);
        const dropped = suffix.split('_').length - 1;
        full = `${previous.split('_').slice(0, -dropped).join('_')}${suffix}`;
      } else previous = full;
      expect(rows.has(full), `${full} is listed twice in the README settings table`).toBe(false);
      rows.set(full, defaults);
    }
  }
  return rows;
}

describe('README settings table', () => {
  it('lists every environment setting of the config schema once, with its real numeric default', () => {
    const rows = readmeSettings();
    for (const name of Object.keys(ENV_KEYS))
      expect(rows.has(name), `${name} missing from README`).toBe(true);
    const defaults = Value.Default(ConfigSchema, {}) as Record<string, unknown>;
    for (const [name, key] of Object.entries(ENV_KEYS)) {
      const value = defaults[key];
      if (typeof value !== 'number' || key === 'bodyLimit') continue;
      expect(rows.get(name), `${name}: README default should show ${value}`).toContain(`\`${value}\``);
    }
  });
});
