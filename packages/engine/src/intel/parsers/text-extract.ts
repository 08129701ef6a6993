import type { IndicatorKind } from '../../types.ts';
import { normalizeUrl } from '../normalize.ts';
import { splitLines } from './common.ts';
import { type Classified, classifyToken, lineHints, registrableDomain } from './ioc-rules.ts';

/** The markup of a write-up. */
export type Markup = 'markdown' | 'asciidoc' | 'html' | 'text';

/** One indicator found in text, with its 1-based line. */
export interface TextIndicator {
  readonly kind: IndicatorKind;
  readonly value: string;
  readonly line: number;
  readonly defanged: boolean;
}

/** A value that looked like an indicator but was rejected, and why. */
export interface TextRejection {
  readonly value: string;
  readonly line: number;
  readonly reason: string;
}

export interface ExtractedText {
  /** The document title (first heading, HTML `<title>`, or a short first line of plain text). */
  readonly title?: string;
  /** Link targets: report URLs and other references (never indicators unless defanged). */
  readonly references: readonly string[];
  readonly indicators: readonly TextIndicator[];
  readonly rejected: readonly TextRejection[];
}

// Defang markers are first replaced by private-use placeholders, so that the tokeniser can split
// on brackets and parentheses without cutting `evil[.]com` apart; each token is then refanged.
const DOT = '\uE000';
const COLON = '\uE001';
const AT = '\uE002';
const DEFANGS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\s?(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\[\s\.\s\])\s?/gi, DOT],
  [/\[:\/\/\]|\[:\]\/\/|\(:\/\/\)/g, `${COLON}//`],
  [/\[:\]|\(:\)/g, COLON],
  [/\s?(?:\[@\]|\(@\)|\{@\}|\[at\]|\(at\))\s?/gi, AT],
];
const SEPARATORS = /[\s|,;"'`<>()[\]{}*]+/;

function defang(line: string): string {
  let out = line;
  for (const [pattern, placeholder] of DEFANGS) out = out.replace(pattern, placeholder);
  return out;
}

/** Refangs one token: placeholders back, `hxxp` → `http`; whether anything was defanged. */
function refangToken(token: string): { value: string; defanged: boolean } {
  let value = token.replaceAll(DOT, '.').replaceAll(COLON, ':').replaceAll(AT, '@');
  const scheme = /^h(xx|XX|\*\*|__)p(s?)(:|$)/.exec(value);
  if (scheme !== null)
    value = `http${scheme[2] ?? ''}${value.slice(scheme[0].length - (scheme[3] ?? '').length)}`;
  if (/^fxp:/i.test(value)) value = `ftp${value.slice(3)}`;
  return { value, defanged: value !== token };
}

/** Trims punctuation that ends a sentence or wraps a value (`evil.com.`, `"x"`, `**x**`). */
function trimToken(token: string): string {
  return token
    .replace(/\\([._\-[\]()])/g, '$1')
    .replace(/^(md5|sha-?1|sha-?256|sha|hash|ip|domain|url|c2|package)[:=]/i, '')
    .replace(/^[-+#:=.!?~_]+/, '')
    .replace(/[.:!?=~]+$/, '');
}

const HEADING_REFERENCES =
  /^(references?|sources?|links?|further reading|credits|acknowledge?ments?|see also|about)\b/i;

interface Prepared {
  readonly lines: string[];
  readonly title?: string;
  readonly references: string[];
}

/** Replaces `match` by spaces, keeping the line breaks it held (so line numbers stay right). */
function blank(match: string): string {
  return match.replace(/[^\n]/g, ' ');
}

/** `text` with every span from `open` to the next `close` (case-insensitive) blanked; one pass. */
function blankBetween(text: string, open: string, close: string): string {
  const lower = text.toLowerCase();
  let out = '';
  let from = 0;
  for (;;) {
    const start = lower.indexOf(open, from);
    if (start === -1) break;
    const end = lower.indexOf(close, start + open.length);
    const stop = end === -1 ? text.length : end + close.length;
    out += text.slice(from, start) + blank(text.slice(start, stop));
    from = stop;
  }
  return out + text.slice(from);
}

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  '#46': '.',
  '#x2e': '.',
  '#x2E': '.',
  '#64': '@',
  '#58': ':',
};

/** HTML: scripts and styles dropped, `href` targets kept as references, tags blanked, entities decoded. */
function prepareHtml(text: string): Prepared {
  const references: string[] = [];
  const title =
    /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1] ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(text)?.[1];
  // Tag patterns never cross another `<` and quantifiers are bounded, so hostile input stays linear.
  const body = blankBetween(
    blankBetween(blankBetween(text, '<script', '</script>'), '<style', '</style>'),
    '<!--',
    '-->',
  )
    .replace(
      /<a\s[^<>]{0,2048}?href\s*=\s*["']([^"'<>]{1,2048})["'][^<>]{0,2048}>/gi,
      (match, href: string) => {
        references.push(href);
        return blank(match);
      },
    )
    .replace(/<[^<>]{1,4096}>/g, (tag) =>
      /^<\/?(td|th|li|p|div|br|tr|pre|code)\b/i.test(tag) ? ` ${blank(tag.slice(1))}` : blank(tag),
    )
    .replace(/&(#?[a-z0-9]+);/gi, (match, name: string) => ENTITIES[name] ?? match);
  const cleanTitle = title
    ?.replace(/<[^>]+>/g, '')
    .replace(/&[a-z#0-9]+;/gi, ' ')
    .trim();
  return cleanTitle
    ? { lines: splitLines(body), title: cleanTitle, references }
    : { lines: splitLines(body), references };
}

/** Markdown / AsciiDoc: link targets kept as references (and taken out of the text), title from the first heading. */
function prepareMarkup(text: string, markup: Markup): Prepared {
  const references: string[] = [];
  const keep = (url: string) => {
    references.push(url);
    return ' ';
  };
  const lines = splitLines(text).map((line) =>
    line
      // Markdown `[text](url)` / `![alt](url)`, reference definitions `[1]: url`, autolinks `<url>`.
      .replace(/\]\(([^\s()[\]]{1,2048})(?:\s+"[^"()]{0,512}")?\)/g, (_m, url: string) => `]${keep(url)}`)
      .replace(/^\s*\[[^\]]{1,256}\]:\s*(\S{1,2048})/, (_m, url: string) => keep(url))
      .replace(/<((?:https?|ftp):\/\/[^<>\s]{1,2048})>/g, (_m, url: string) => keep(url))
      // AsciiDoc `https://url[text]`, `link:url[text]` (the URL never spans another scheme).
      .replace(
        /(?:link:)?((?:https?|ftp):\/\/[^\s[\]:]{1,2048}(?::\d{1,5})?[^\s[\]:]{0,2048})\[[^\]]{0,1024}\]/g,
        (_m, url: string) => keep(url),
      ),
  );
  let title: string | undefined;
  for (let i = 0; i < lines.length && title === undefined; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    const heading = markup === 'asciidoc' ? /^=\s+(.+)$/.exec(line) : /^#\s+(.+)$/.exec(line);
    if (heading !== null) title = heading[1]?.trim();
    else if (markup === 'markdown' && /^=+$/.test((lines[i + 1] ?? '').trim())) title = line;
    else if (markup === 'text' && line.length <= 120 && !/[.;,]$/.test(line) && i < 5) title = line;
    else if (markup === 'text') break;
  }
  return title === undefined ? { lines, references } : { lines, title, references };
}

function isHeading(line: string, markup: Markup): string | undefined {
  const match =
    markup === 'asciidoc'
      ? (/^={1,6}\s+(.+)$/.exec(line) ?? /^\.([A-Za-z].*)$/.exec(line))
      : (/^#{1,6}\s+(.+)$/.exec(line) ?? /^\*\*([^*]+)\*\*:?$/.exec(line));
  return match?.[1]?.trim();
}

/**
 * Extracts indicators from a write-up: hashes (MD5, SHA-1, SHA-256), package names, domains, URLs,
 * IPv4 / IPv6 and e-mail addresses, refanged (`evil[.]com`, `evil(.)com`, `hxxps://`, `1.2.3[.]4`,
 * `[:]//`, `[@]`). Link targets and plain URLs under a "References" / "Sources" heading are
 * references, not indicators (unless defanged); the hosts of those links are the publisher's sites,
 * whose plain mentions are not indicators either. Rejected near misses are returned with reasons.
 */
export function extractFromText(
  text: string,
  markup: Markup,
  extraReferences: readonly string[] = [],
): ExtractedText {
  const prepared = markup === 'html' ? prepareHtml(text) : prepareMarkup(text, markup);
  const references = [...prepared.references, ...extraReferences];
  const publishers = new Set<string>();
  for (const ref of references) {
    const url = normalizeUrl(ref);
    const host = url?.split('/')[0]?.replace(/:\d+$/, '');
    if (host?.includes('.')) publishers.add(registrableDomain(host));
  }
  const indicators: TextIndicator[] = [];
  const rejected: TextRejection[] = [];
  const seen = new Set<string>();
  let inReferences = false;
  prepared.lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const heading = isHeading(raw.trim(), markup);
    if (heading !== undefined) {
      inReferences = HEADING_REFERENCES.test(heading);
      return;
    }
    const lower = raw.toLowerCase();
    const hints = lineHints(lower);
    const defangedLine = defang(raw);
    let cursor = 0;
    for (const piece of defangedLine.split(SEPARATORS)) {
      // Where the piece starts, for the words just before it (one forward scan per line).
      const at = defangedLine.indexOf(piece, cursor);
      if (at !== -1) cursor = at + piece.length;
      const trimmed = trimToken(piece);
      if (trimmed.length < 4) continue;
      const { value, defanged } = refangToken(trimmed);
      const before = at === -1 ? '' : defangedLine.slice(Math.max(0, at - 16), at).toLowerCase();
      const found: Classified | undefined = classifyToken(value, {
        defanged,
        line: lower,
        publishers,
        hints,
        before,
      });
      if (found === undefined) continue;
      if ('rejected' in found) {
        rejected.push({ value: found.value, line: lineNo, reason: found.rejected });
        continue;
      }
      if (inReferences && !defanged && (found.kind === 'url' || found.kind === 'domain')) {
        references.push(value);
        rejected.push({ value: found.value, line: lineNo, reason: 'under a references heading' });
        continue;
      }
      const add = (kind: IndicatorKind, v: string) => {
        const key = `${kind}\u0000${v}`;
        if (seen.has(key)) return;
        seen.add(key);
        indicators.push({ kind, value: v, line: lineNo, defanged });
      };
      add(found.kind, found.value);
      // The host of an indicator URL is C2 or delivery infrastructure too (docs/intel.md).
      if (found.kind === 'url' && found.host !== undefined)
        add(/^[\d.]+$|:/.test(found.host) ? 'ip' : 'domain', found.host);
    }
  });
  return prepared.title === undefined
    ? { references, indicators, rejected }
    : { title: prepared.title, references, indicators, rejected };
}
