import { describe, expect, it } from 'vitest';
import { createSchemaValidator } from '../../test-support/schema-validator.ts';
import { AdbParseError } from './adb-parse-error.ts';
import { collectSnapshot } from './collect-snapshot.ts';
import { createFixtureRunner } from './fixture-runner.ts';

const validator = createSchemaValidator();
const options = { now: '2026-11-25T18:00:00.000Z', agentVersion: '0.1.0' };

describe('collectSnapshot', () => {
  it.each(['android-10', 'android-13', 'android-14'])(
    '%s fixture gives a snapshot valid against the JSON Schema',
    async (device) => {
      const { snapshot } = await collectSnapshot(createFixtureRunner(device), options);
      expect(validator.snapshot(snapshot)).toEqual([]);
    },
  );

  it('Android 10: sideloaded stalkerware, open Wi-Fi, unlocked bootloader, risky settings', async () => {
    const { snapshot, warnings } = await collectSnapshot(createFixtureRunner('android-10'), options);
    expect(warnings).toEqual([]);
    expect(snapshot.device).toMatchObject({
      osVersion: '10',
      securityPatch: '2020-10-01',
      manufacturer: 'Xiaomi',
    });
    expect(snapshot.integrity).toEqual({
      bootloaderLocked: false,
      verifiedBootState: 'orange',
      developerOptions: true,
      usbDebugging: true,
      unknownSources: true,
      encrypted: true,
    });
    expect(snapshot.apps.find((app) => app.id === 'com.apspy.app')).toMatchObject({
      installer: null,
      system: false,
      version: '5.2',
      firstInstallTime: '2021-09-03T18:17:12.000Z',
    });
    expect(snapshot.network).toMatchObject({
      connection: 'wifi',
      wifi: { ssid: 'CafeFree', security: 'open' },
    });
  });

  it('Android 13: VPN provider resolved from the owner uid, proxy', async () => {
    const { snapshot } = await collectSnapshot(createFixtureRunner('android-13'), options);
    expect(snapshot.network.vpn).toEqual({ active: true, provider: 'com.nordvpn.android' });
    expect(snapshot.network.proxy).toEqual({ host: 'proxy.home.example', port: 3128, source: 'manual' });
  });

  it('Android 14: certificate digests and strict private DNS', async () => {
    const { snapshot } = await collectSnapshot(createFixtureRunner('android-14'), options);
    expect(snapshot.apps).toHaveLength(7);
    expect(snapshot.apps.find((app) => app.id === 'com.whatsapp')?.certSha256).toBe(
      '3987d043d10aefaf5a8710b3671418fe57e0e19b653c9df82558feb5ffce5d44',
    );
    expect(snapshot.network.dns).toEqual({
      servers: ['10.20.0.53'],
      privateDnsMode: 'strict',
      privateDnsHost: 'dns.acme.example',
    });
  });

  it('keeps a package whose dumpsys fails, with a warning', async () => {
    const runner = createFixtureRunner('android-14', {
      'dumpsys-package-com.whatsapp.txt': 'Packages:\n  Package [com.whatsapp] (1):\n',
    });
    const { snapshot, warnings } = await collectSnapshot(runner, options);
    expect(snapshot.apps.find((app) => app.id === 'com.whatsapp')).toEqual({
      id: 'com.whatsapp',
      installer: 'com.android.vending',
      system: false,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/dumpsys package com.whatsapp/);
  });

  it('fails with AdbParseError when a device-wide command is truncated', async () => {
    const runner = createFixtureRunner('android-14', { 'getprop.txt': '[ro.build.version.release]: [1' });
    await expect(collectSnapshot(runner, options)).rejects.toThrow(AdbParseError);
  });

  it('--hash-apks: each user app gets the SHA-256, SHA-1 and MD5 of its base APK; system apps are not read', async () => {
    const fixtures = createFixtureRunner('android-10');
    const asked: string[] = [];
    const runner = async (args: readonly string[]) => {
      const [command, path = ''] = args;
      if (command === undefined || !command.endsWith('sum')) return fixtures(args);
      asked.push(`${command} ${path}`);
      if (path.includes('com.apspy.app') && command === 'md5sum') return 'md5sum: read error\n';
      const digest = { sha256sum: 'a'.repeat(64), sha1sum: 'B'.repeat(40), md5sum: 'c'.repeat(32) }[command];
      return `${digest}  ${path}\n`;
    };
    const { snapshot, warnings } = await collectSnapshot(runner, { ...options, hashApks: true });
    expect(validator.snapshot(snapshot)).toEqual([]);
    const spy = snapshot.apps.find((app) => app.id === 'com.apspy.app');
    expect(spy).toMatchObject({ fileSha256: 'a'.repeat(64), fileSha1: 'b'.repeat(40) });
    expect(spy).not.toHaveProperty('fileMd5');
    expect(warnings).toEqual([
      expect.stringMatching(/^md5sum \S+com\.apspy\.app\S*: no hash in the output$/),
    ]);
    const userApps = snapshot.apps.filter((app) => app.system !== true);
    expect(asked).toHaveLength(userApps.length * 3);
    expect(snapshot.apps.filter((app) => app.system === true && app.fileSha1 !== undefined)).toEqual([]);
    // Without the option nothing is hashed.
    const plain = await collectSnapshot(createFixtureRunner('android-10'), options);
    expect(plain.snapshot.apps.some((app) => app.fileSha256 !== undefined)).toBe(false);
  });
});
