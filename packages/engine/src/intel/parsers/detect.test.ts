import { describe, expect, it } from 'vitest';
import { listDataset, readDataset } from '../../../test-support/datasets.ts';
import { detectFormat, parseIntelFile } from './detect.ts';

describe('detectFormat on the datasets', () => {
  it.each([
    ['stalkerware-indicators/ioc.yaml', 'stalkerware-yaml'],
    ['stalkerware-indicators/watchware.yaml', 'stalkerware-yaml'],
    ['stalkerware-indicators/samples.csv', 'stalkerware-samples-csv'],
    ['stalkerware-indicators/network.csv', 'stalkerware-network-csv'],
    ['stalkerware-indicators/hosts', 'domain-list'],
    ['stalkerware-indicators/stalkerware.stix2', 'stix2'],
    ['mvt-indicators/ResidentBat/residentbat.stix2', 'stix2'],
    ['mvt-indicators/ResidentBat/package_names.txt', 'mvt-list'],
    ['mvt-indicators/intellexa_predator/config_profiles.txt', 'mvt-list'],
    ['maltrail-mobile-trails/trails/android_cerberus.txt', 'maltrail'],
    ['phishing-domains-blocklistproject/phishing-nl.sample.txt', 'domain-list'],
    ['cisa-kev/known_exploited_vulnerabilities.json', 'cisa-kev'],
    ['android-cve-records/cvelistV5/CVE-2024-0031.json', 'cve5'],
    ['android-cve-records/osv-android-vanir-testdata/test_vulnerabilities_kernel.json', 'osv'],
    ['sofa-apple-security-feed/ios_data_feed.json', 'sofa-ios'],
    ['sofa-apple-security-feed/apple_security_releases.json', 'sofa-apple-releases'],
    ['endoflife-products/pixel.yaml', 'eol-product'],
    ['endoflife-release-data/samsung-mobile.json', 'eol-release-data'],
    // A README is a write-up (the loader skips one beside a STIX bundle, or without indicators).
    ['mvt-indicators/README.md', 'ioc-text'],
    ['vendor-iocs/citizenlab/201608_NSO_Group/README.md', 'ioc-text'],
    ['vendor-iocs/citizenlab/201608_NSO_Group/iocs.csv', 'ioc-csv'],
    ['vendor-iocs/sophoslabs/PJobRAT_IOCs.csv', 'ioc-csv'],
  ])('%s → %s', (path, format) => {
    expect(detectFormat(path, readDataset(path))).toBe(format);
  });

  it.each([
    'cisa-kev/LICENSE',
    'cisa-kev/known_exploited_vulnerabilities_schema.json',
    'sofa-apple-security-feed/ios_data_feed.schema.json',
    'mvt-indicators/indicators.yaml',
    'mitre-attack-mobile/mobile-attack-17.1.json',
    'android-attestation-revocation/status.json',
    // A Markdown document that does not present itself as indicators (no "IOCs" heading, nothing defanged).
    'SOURCES.md',
  ])('%s is not intel', (path) => {
    expect(detectFormat(path, readDataset(path))).toBeUndefined();
  });

  it('parses every detected dataset file without error', () => {
    let parsed = 0;
    for (const path of listDataset('.')) {
      const text = readDataset(path);
      if (detectFormat(path, text) === undefined) continue;
      const feed = parseIntelFile(text, path);
      expect(feed.digest).toMatch(/^[0-9a-f]{64}$/);
      parsed++;
    }
    expect(parsed).toBeGreaterThan(300);
  });

  it('names the file for an unknown format', () => {
    expect(() => parseIntelFile('hello', 'notes.bin')).toThrow('notes.bin: unknown intel format');
  });
});
