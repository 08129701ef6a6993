/**
 * Test helpers: where the shared datasets are (`RISKGATE_DATASETS`, else `<repoRoot>/../shared/datasets`)
 * and how to read them. Used by tests only; not exported from the engine.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectFormat, parseIntelFile } from '../src/intel/parsers/detect.ts';
import type { ParsedFeed } from '../src/intel/types.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The datasets directory. */
export const DATASETS = process.env.RISKGATE_DATASETS ?? join(REPO_ROOT, '..', 'shared', 'datasets');

/** Reads a dataset file by its path under the datasets directory. */
export function readDataset(path: string): string {
  return readFileSync(join(DATASETS, path), 'utf8');
}

/** Every file under a dataset directory, as paths relative to the datasets directory. */
export function listDataset(dir: string): string[] {
  const walk = (abs: string): string[] =>
    readdirSync(abs).flatMap((name) => {
      const path = join(abs, name);
      return statSync(path).isDirectory() ? walk(path) : [relative(DATASETS, path)];
    });
  return walk(join(DATASETS, dir)).sort();
}

/** Parses every intel file of the datasets (formats detected), as the server's loader would. */
export function parseAllDatasets(): ParsedFeed[] {
  const feeds: ParsedFeed[] = [];
  for (const path of listDataset('.')) {
    const text = readDataset(path);
    const format = detectFormat(path, text);
    if (format !== undefined) feeds.push(parseIntelFile(text, path, { format }));
  }
  return feeds;
}

/** Non-empty, non-comment lines of a text. */
export function dataLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Items (`- x` lines) of every `<key>:` list in a stalkerware-indicators YAML, by a plain line scan. */
export function yamlListItems(text: string, key: string): string[] {
  const items: string[] = [];
  let inList = false;
  let keyIndent = 0;
  for (const line of text.split(/\r?\n/)) {
    const keyMatch = /^(\s*)(?:- )?([a-z_]+):\s*$/.exec(line);
    if (keyMatch !== null) {
      inList = keyMatch[2] === key;
      keyIndent = (keyMatch[1] ?? '').length + (line.trimStart().startsWith('- ') ? 2 : 0);
      continue;
    }
    const item = /^(\s*)- (.+)$/.exec(line);
    if (inList && item !== null && (item[1] ?? '').length >= keyIndent) items.push((item[2] ?? '').trim());
    else if (!/^\s*$/.test(line)) inList = false;
  }
  return items;
}
