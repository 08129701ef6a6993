import {
  type App,
  assess,
  buildIntelIndex,
  type ParsedFeed,
  parseIntelFile,
  type Snapshot,
} from '@riskgate/engine';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness, shouldSkipDialect } from '../../test-support/harness.ts';
import { deviceRow, insertRows, insertSnapshot } from '../../test-support/seed-fleet.ts';
import { cleanAndroidSnapshot, storeApp } from '../../test-support/snapshots.ts';
import { countLiveDevices } from '../queries/device-rating.ts';
import { redactSnapshot } from '../reports/privacy.ts';
import { mayHoldAny, reassessForNewIntel, textNeedlesOf } from './intel-reassess.ts';

const packages = parseIntelFile('com.Evil.Spy\ncom.other.spy\n', 'package_names.txt', { feed: 'test' });
const domains = parseIntelFile('evil.example\n', 'domains.txt', { feed: 'test' });
const processes = parseIntelFile('evil"proc\\x\n', 'processes.txt', { feed: 'test' });
const ips = parseIntelFile('203.0.113.7\n', 'ip-addresses.txt', { feed: 'test' });

describe('intel re-assessment text pre-filter', () => {
  it.each([
    ['package ids', [packages], ['com.evil.spy', 'com.other.spy']],
    ['domains (and defanging marks)', [domains], ['evil.example', '[.]', '(.)', '{.}', '[dot]', '(dot)']],
    ['a process name with JSON-escaped characters', [processes], ['evil\\"proc\\\\x']],
    ['IP addresses (their text form may differ on the device)', [ips], undefined],
    ['mixed feeds with an IP list', [packages, ips], undefined],
  ] as const)('needles for %s', (_name, feeds, expected) => {
    expect(textNeedlesOf(feeds)).toEqual(expected);
  });

  it('gives no pre-filter for feeds with end-of-life or vulnerability data, or too many values', () => {
    const many = parseIntelFile(
      Array.from({ length: 65 }, (_, i) => `com.app${i}.x`).join('\n'),
      'package_names.txt',
      { feed: 'test' },
    );
    expect(textNeedlesOf([many])).toBeUndefined();
    expect(textNeedlesOf([{ ...packages, eolCycles: [{} as never] }])).toBeUndefined();
  });

  it.each([
    ['an app id in another case', '{"apps":[{"id":"COM.EVIL.SPY"}]}', true],
    ['a host under a listed domain', '{"visitedDomains":[{"domain":"a.b.evil.example"}]}', true],
    ['nothing listed', '{"apps":[{"id":"com.good.app"}]}', false],
    ['non-ASCII text (an IDN host in Unicode)', '{"visitedDomains":[{"domain":"bücher.example"}]}', true],
  ])('%s', (_name, text, expected) => {
    expect(mayHoldAny(text, ['com.evil.spy', 'evil.example'])).toBe(expected);
  });
});

const HASH = 'ab12'.repeat(16);
const FILE_HASH = 'cd34'.repeat(16);
const OLD_APP = 'com.kept.bymatch';

/** The new feeds of the database tests: every kind the SQL pre-selection searches for. */
const newFeeds = () => [
  parseIntelFile('com.evil.spy\ncom.evil_spy.x\n', 'package_names.txt', { feed: 'new' }),
  parseIntelFile(`${HASH.toUpperCase()}\n`, 'package_cert_hashes.txt', { feed: 'new' }),
  parseIntelFile(`${FILE_HASH}\n`, 'sha256.txt', { feed: 'new' }),
  parseIntelFile('evil.example\nxn--bcher-kva.example\n', 'domains.txt', { feed: 'new' }),
  parseIntelFile('EvilProc\nevil"proc\\x\n', 'processes.txt', { feed: 'new' }),
];

const visit = (domain: string) => ({ domain, at: '2026-11-01T00:00:00.000Z' });

/** Stored snapshots by name: holders (upper-case values, substrings, subdomains…) and near misses. */
function snapshots(at: Date): Record<string, Snapshot> {
  const clean = cleanAndroidSnapshot(at, [storeApp('com.good.app')]);
  const withApp = (app: App) => cleanAndroidSnapshot(at, [storeApp('com.good.app'), app]);
  const personal = cleanAndroidSnapshot(at, [
    storeApp('com.private.app'),
    { ...storeApp(OLD_APP), fileSha256: FILE_HASH.toUpperCase() },
  ]);
  const earlier = buildIntelIndex([parseIntelFile(`${OLD_APP}\n`, 'package_names.txt', { feed: 'old' })]);
  const classification = { byType: {}, byFamily: {} };
  return {
    appUpperCase: withApp(storeApp('COM.EVIL.SPY')),
    appSuperstring: withApp(storeApp('com.evil.spy.helper')),
    appSubstring: withApp(storeApp('com.evil')),
    appLikeWildcard: withApp(storeApp('com.evilXspy.x')),
    appUnderscore: withApp(storeApp('com.evil_spy.x')),
    certUpperCase: withApp({ ...storeApp('com.signed.app'), certSha256: HASH.toUpperCase() }),
    subdomain: { ...clean, visitedDomains: [visit('login.Evil.Example.')] },
    otherDomain: { ...clean, visitedDomains: [visit('evil-example.org')] },
    defanged: { ...clean, visitedDomains: [visit('evil[.]example')] },
    unicodeHost: { ...clean, visitedDomains: [visit('bücher.example')] },
    processCase: { ...clean, processes: ['EvilProc'] },
    processEscaped: { ...clean, processes: ['evil"proc\\x'] },
    // A personal device's snapshot is stored redacted: only the app an earlier feed matched is kept.
    personalRedacted: redactSnapshot(
      personal,
      assess(personal, earlier, classification, { now: at }).detections,
    ),
    clean,
  };
}

for (const dialect of DIALECTS) {
  describe.skipIf(await shouldSkipDialect(dialect))(`intel re-assessment in SQL (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(async () => {
      await h?.close();
    });

    const logger = pino({ level: 'silent' });
    const reassess = (feeds: ParsedFeed[]) =>
      reassessForNewIntel(
        { db: h.testDb.db, now: () => h.clock.now, logger },
        { tenantId: h.tenant.tenantId, newFeeds: feeds, lookup: buildIntelIndex(feeds), actor: 'test' },
      );

    it('finds every holder the full path finds, reading only snapshots whose text may hold a new value', async () => {
      const db = h.testDb.db.db;
      const tenantId = h.tenant.tenantId;
      const stored = snapshots(h.clock.now);
      const ids = new Map<string, string>();
      for (const [name, snapshot] of Object.entries(stored)) {
        const row = deviceRow(tenantId, name === 'personalRedacted' ? { ownership: 'personal' } : {});
        await insertRows(db, [row]);
        await insertSnapshot(db, tenantId, row.id, snapshot);
        ids.set(name, row.id);
      }
      const retired = deviceRow(tenantId, { retired_at: '2026-11-01T00:00:00.000Z' });
      const foreign = deviceRow(h.otherTenant.tenantId);
      const noSnapshot = deviceRow(tenantId);
      await insertRows(db, [retired, foreign, noSnapshot]);
      await insertSnapshot(db, tenantId, retired.id, stored.appUpperCase as Snapshot);
      await insertSnapshot(db, h.otherTenant.tenantId, foreign.id, stored.appUpperCase as Snapshot);

      const feeds = newFeeds();
      const needles = textNeedlesOf(feeds);
      expect(needles).toBeDefined();
      // The full path's answer: every stored snapshot assessed with the new feeds.
      const index = buildIntelIndex(feeds);
      const expected = Object.entries(stored)
        .filter(
          ([, s]) =>
            assess(s, index, { byType: {}, byFamily: {} }, { now: h.clock.now }).detections.length > 0,
        )
        .map(([name]) => name)
        .sort();
      expect(expected).toEqual(
        [
          'appUnderscore',
          'appUpperCase',
          'certUpperCase',
          'defanged',
          'personalRedacted',
          'processCase',
          'processEscaped',
          'subdomain',
          'unicodeHost',
        ].sort(),
      );
      const candidates = Object.entries(stored).filter(([, s]) =>
        mayHoldAny(JSON.stringify(s), needles ?? []),
      );

      const result = await reassess(feeds);

      const threats = await db
        .selectFrom('threats')
        .select('device_id')
        .distinct()
        .where('first_seen', '=', h.clock.now.toISOString())
        .execute();
      const byId = new Map([...ids].map(([name, id]) => [id, name] as const));
      expect(threats.map((t) => byId.get(t.device_id) ?? t.device_id).sort()).toEqual(expected);
      expect(result).toMatchObject({
        devicesExamined: Object.keys(stored).length + 1,
        snapshotsAssessed: candidates.length,
        devicesWithNewThreats: expected.length,
      });
      // The SQL search left out the snapshots that cannot hold a new value.
      expect(candidates.map(([name]) => name)).not.toContain('clean');
      expect(candidates.map(([name]) => name)).not.toContain('otherDomain');
      expect(candidates.map(([name]) => name)).not.toContain('appLikeWildcard');
      const holder = await db
        .selectFrom('devices')
        .select('risk_level')
        .where('id', '=', ids.get('appUpperCase') ?? '')
        .executeTakeFirstOrThrow();
      expect(holder.risk_level).not.toBe('secured');

      // Imported again: nothing new.
      expect(await reassess(feeds)).toMatchObject({ devicesWithNewThreats: 0, threatsCreated: 0 });
    });

    it('reads every stored snapshot when the feeds allow no text search (IP addresses)', async () => {
      const count = await countLiveDevices(h.testDb.db.db, h.tenant.tenantId);
      const withSnapshot = await h.testDb.db.db
        .selectFrom('snapshots as s')
        .innerJoin('devices as d', 'd.id', 's.device_id')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('d.tenant_id', '=', h.tenant.tenantId)
        .where('d.retired_at', 'is', null)
        .executeTakeFirstOrThrow();
      expect(await reassess([ips])).toMatchObject({
        devicesExamined: count,
        snapshotsAssessed: Number(withSnapshot.n),
      });
    });
  });
}
