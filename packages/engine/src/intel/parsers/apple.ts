import { IntelParseError, isRecord, parseJson, str, strArray } from '../errors.ts';
import { emptyFeed, type IosRelease, type ParsedFeed, type ParseOptions } from '../types.ts';

function day(value: string | undefined): string | undefined {
  const match = value === undefined ? null : /^(\d{4}-\d{2}-\d{2})/.exec(value);
  return match?.[1];
}

/**
 * Parses the SOFA iOS feed (`v2/ios_data_feed.json`): every security release of each iOS line
 * with its CVEs, actively exploited CVEs and supported models, plus the model → name table.
 */
export function parseSofaIos(text: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  const data = parseJson(text, fileName);
  if (!isRecord(data) || !Array.isArray(data.OSVersions)) {
    throw new IntelParseError(fileName, 'not a SOFA iOS feed (no "OSVersions" array)', { line: 1 });
  }
  const feed = emptyFeed(options.feed ?? 'sofa', 'sofa-ios', fileName);
  const version = str(data, 'UpdateHash') ?? str(data, 'LastCheck');
  if (version !== undefined) feed.version = version;
  data.OSVersions.forEach((line: unknown, i) => {
    if (!isRecord(line) || !Array.isArray(line.SecurityReleases)) {
      throw new IntelParseError(fileName, 'OS version without SecurityReleases', {
        object: `OSVersions[${i}]`,
      });
    }
    line.SecurityReleases.forEach((release: unknown, j) => {
      const where = `OSVersions[${i}].SecurityReleases[${j}]`;
      const productVersion = isRecord(release) ? str(release, 'ProductVersion') : undefined;
      if (!isRecord(release) || productVersion === undefined) {
        throw new IntelParseError(fileName, 'release without ProductVersion', { object: where });
      }
      const cves = isRecord(release.CVEs) ? Object.keys(release.CVEs) : [];
      const exploited = new Set(strArray(release, 'ActivelyExploitedCVEs'));
      if (isRecord(release.CVEs)) {
        for (const [cve, info] of Object.entries(release.CVEs))
          if (isRecord(info) && info.ActivelyExploited === true) exploited.add(cve);
      }
      const out: { -readonly [K in keyof IosRelease]: IosRelease[K] } = {
        version: productVersion,
        name: str(release, 'UpdateName') ?? `iOS ${productVersion}`,
        cves,
        exploitedCves: [...exploited],
        supportedDevices: strArray(release, 'SupportedDevices'),
        feed: feed.feed,
      };
      const build = str(release, 'Build');
      const date = day(str(release, 'ReleaseDate'));
      const reference = str(release, 'SecurityInfo');
      if (build !== undefined) out.build = build;
      if (date !== undefined) out.releaseDate = date;
      if (reference !== undefined) out.reference = reference;
      feed.iosReleases.push(out);
    });
  });
  if (isRecord(data.Devices)) {
    for (const [id, info] of Object.entries(data.Devices)) {
      const name = isRecord(info) ? str(info, 'MarketingName') : undefined;
      if (name !== undefined) feed.deviceModels.push({ id, name });
    }
  }
  return feed;
}

/**
 * Parses SOFA's `apple_security_releases.json` (every Apple security release); keeps the iOS /
 * iPadOS ones with their CVEs and the CVEs marked exploited in `cve_context`. Useful for iOS lines
 * older than the ones `ios_data_feed.json` covers. Its dates can be page dates (see SOURCES.md).
 */
export function parseAppleSecurityReleases(
  text: string,
  fileName: string,
  options: ParseOptions = {},
): ParsedFeed {
  const data = parseJson(text, fileName);
  if (!isRecord(data) || !Array.isArray(data.releases)) {
    throw new IntelParseError(fileName, 'not an Apple security releases file (no "releases" array)', {
      line: 1,
    });
  }
  const feed = emptyFeed(options.feed ?? 'sofa', 'sofa-apple-releases', fileName);
  data.releases.forEach((release: unknown, i) => {
    const where = `releases[${i}]`;
    if (!isRecord(release) || typeof release.os_type !== 'string') {
      throw new IntelParseError(fileName, 'release without os_type', { object: where });
    }
    if (release.os_type !== 'ios') return;
    const version = str(release, 'version');
    if (version === undefined || !/^\d+(\.\d+)*$/.test(version)) {
      feed.skipped.push(`${where}: no iOS version`);
      return;
    }
    const context = isRecord(release.cve_context) ? release.cve_context : {};
    const exploited = Object.entries(context)
      .filter(([, info]) => isRecord(info) && info.exploited === true)
      .map(([cve]) => cve);
    const out: { -readonly [K in keyof IosRelease]: IosRelease[K] } = {
      version,
      name: str(release, 'name') ?? `iOS ${version}`,
      cves: strArray(release, 'cves'),
      exploitedCves: exploited,
      supportedDevices: [],
      feed: feed.feed,
    };
    const reference = str(release, 'url');
    if (reference !== undefined) out.reference = reference;
    feed.iosReleases.push(out);
  });
  return feed;
}
