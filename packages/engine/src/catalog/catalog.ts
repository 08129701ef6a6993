import type { IndicatorCategory } from '../types.ts';
import { APP_THREATS } from './app-threats.ts';
import { NETWORK_THREATS, WEB_THREATS } from './network-web-threats.ts';
import { DEVICE_THREATS, OS_THREATS } from './os-device-threats.ts';
import type { ThreatType } from './types.ts';

/** Every threat type, in catalog order (app, os, device, network, web). */
export const THREAT_TYPES: readonly ThreatType[] = [
  ...APP_THREATS,
  ...OS_THREATS,
  ...DEVICE_THREATS,
  ...NETWORK_THREATS,
  ...WEB_THREATS,
];

const BY_ID: ReadonlyMap<string, ThreatType> = new Map(THREAT_TYPES.map((type) => [type.id, type]));

/** The threat type with this id, or `undefined`. */
export function findThreatType(id: string): ThreatType | undefined {
  return BY_ID.get(id);
}

/** Threat type an app indicator of this category means. */
export const APP_THREAT_BY_CATEGORY: Readonly<Record<IndicatorCategory, string>> = {
  stalkerware: 'app.stalkerware',
  watchware: 'app.watchware',
  spyware: 'app.spyware',
  trojan: 'app.trojan',
  'banking-trojan': 'app.banking-trojan',
  adware: 'app.adware',
  riskware: 'app.riskware',
  'root-enabler': 'app.root-enabler',
  malware: 'app.malware',
  phishing: 'app.malware',
  c2: 'app.malware',
};

/** Placeholder values used when a finding does not provide one. */
const FALLBACKS: Readonly<Record<string, string>> = {
  app: 'the app',
  host: 'the site',
  ssid: 'this Wi-Fi network',
  proxy: 'the proxy',
  ca: 'the certificate',
  profile: 'the profile',
  family: 'the malware',
};

const PLACEHOLDER = /\{([a-z][a-zA-Z]*)\}/g;

/** A template split at its placeholders: text at even indexes, placeholder names at odd ones. */
type ParsedTemplate = readonly string[];

function parseTemplate(template: string): ParsedTemplate {
  const parts: string[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    parts.push(template.slice(last, match.index), match[1] ?? '');
    last = match.index + match[0].length;
  }
  parts.push(template.slice(last));
  return parts;
}

/** The catalog's templates, parsed once (other templates are parsed per call). */
const PARSED: ReadonlyMap<string, ParsedTemplate> = new Map(
  THREAT_TYPES.flatMap((type) =>
    type.remediation.map((template) => [template, parseTemplate(template)] as const),
  ),
);

/** Fills `{param}` placeholders of remediation templates; unknown placeholders get a plain fallback. */
export function renderRemediation(
  templates: readonly string[],
  params: Readonly<Record<string, string>> = {},
): string[] {
  const rendered: string[] = [];
  for (const template of templates) {
    const parts = PARSED.get(template) ?? parseTemplate(template);
    let text = parts[0] ?? '';
    for (let i = 1; i < parts.length; i += 2) {
      const name = parts[i] ?? '';
      text += (params[name] ?? FALLBACKS[name] ?? name) + (parts[i + 1] ?? '');
    }
    rendered.push(text);
  }
  return rendered;
}
