import { describe, expect, it } from 'vitest';
import { AdbParseError } from './adb-parse-error.ts';
import { parseDumpsysConnectivity, parseDumpsysWifi } from './dumpsys-network.ts';
import { parseDumpsysPackage } from './dumpsys-package.ts';
import { readFixture } from './fixture-runner.ts';
import { parseGetprop } from './getprop.ts';
import { localTimeToIso } from './local-time.ts';
import { parsePmList } from './pm-list.ts';
import { parseSettingBoolean } from './settings.ts';

describe('parseGetprop', () => {
  it.each([
    ['android-10', '10', '2020-10-01', 'Mi 9T'],
    ['android-13', '13', '2022-12-01', 'SM-S901B'],
    ['android-14', '14', '2024-03-05', 'Pixel 8'],
  ])('%s: release, patch, model', (device, release, patch, model) => {
    const props = parseGetprop(readFixture(device, 'getprop.txt'));
    expect(props.get('ro.build.version.release')).toBe(release);
    expect(props.get('ro.build.version.security_patch')).toBe(patch);
    expect(props.get('ro.product.model')).toBe(model);
  });

  it('keeps a value that spans lines', () => {
    expect(parseGetprop(readFixture('android-14', 'getprop.txt')).get('vendor.gsm.operator.alpha')).toBe(
      'Orange F,\n',
    );
  });

  it.each([
    ['empty', ''],
    ['truncated value', '[ro.build.version.release]: [14]\n[ro.product.model]: [Pix'],
    ['other format', 'ro.build.version.release=14\n'],
    ['adb error text', 'error: no devices/emulators found\n'],
  ])('fails with AdbParseError on %s', (_name, text) => {
    expect(() => parseGetprop(text)).toThrow(AdbParseError);
  });
});

describe('parsePmList', () => {
  it('reads id, path, installer, uid and system from a path containing `=`', () => {
    const packages = parsePmList(readFixture('android-14', 'pm-list-packages.txt'));
    expect(packages).toHaveLength(7);
    expect(packages.find((entry) => entry.id === 'com.whatsapp')).toEqual({
      id: 'com.whatsapp',
      apkPath: '/data/app/~~kP3x1aQ0vM2dYbq9TzEw_g==/com.whatsapp-Z8vL0cRk2uJ5yE3nB1qA4w==/base.apk',
      installer: 'com.android.vending',
      uid: 10234,
      system: false,
    });
    expect(packages.find((entry) => entry.id === 'com.android.settings')).toMatchObject({
      installer: null,
      system: true,
    });
  });

  it('reads the Android 10 path form and a sideloaded app', () => {
    const packages = parsePmList(readFixture('android-10', 'pm-list-packages.txt'));
    expect(packages.find((entry) => entry.id === 'com.apspy.app')).toMatchObject({
      installer: null,
      uid: 10203,
      system: false,
    });
  });

  it.each([
    ['empty', '\n'],
    ['no package prefix', 'pkg:/data/app/base.apk=com.foo\n'],
    ['no path=id', 'package:com.foo  installer=null\n'],
    ['bad uid', 'package:/data/app/x/base.apk=com.foo  installer=null uid:abc\n'],
    ['truncated id', 'package:/data/app/~~x==/com.foo-y==/base.apk=\n'],
  ])('fails with AdbParseError on %s', (_name, text) => {
    expect(() => parsePmList(text)).toThrow(AdbParseError);
  });
});

describe('parseDumpsysPackage', () => {
  it('Android 14: version, installer, times in the device zone, permissions, signing digests', () => {
    const details = parseDumpsysPackage(
      readFixture('android-14', 'dumpsys-package-com.whatsapp.txt'),
      'com.whatsapp',
      'Europe/Paris',
    );
    expect(details).toMatchObject({
      versionName: '2.24.7.80',
      versionCode: 240708003,
      installer: 'com.android.vending',
      firstInstallTime: '2023-05-02T12:03:11.000Z',
      lastUpdateTime: '2024-04-02T07:12:35.000Z',
      system: false,
      signatureHashCodes: ['38a0f7d5'],
      certSha256: ['3987d043d10aefaf5a8710b3671418fe57e0e19b653c9df82558feb5ffce5d44'],
      certSha1: ['38a0f7d505fe18fec64fbf343ecaaaf310dbd799'],
    });
    expect(details.requestedPermissions).toContain('android.permission.RECORD_AUDIO');
    expect(details.grantedPermissions).toEqual([
      'android.permission.INTERNET',
      'android.permission.ACCESS_NETWORK_STATE',
      'android.permission.READ_CONTACTS',
      'android.permission.CAMERA',
      'android.permission.POST_NOTIFICATIONS',
    ]);
  });

  it('Android 10: installer null, hash codes only, runtime grants', () => {
    const details = parseDumpsysPackage(
      readFixture('android-10', 'dumpsys-package-com.apspy.app.txt'),
      'com.apspy.app',
    );
    expect(details).toMatchObject({
      installer: null,
      versionName: '5.2',
      signatureHashCodes: ['d9cf39c1'],
      certSha256: [],
    });
    expect(details.grantedPermissions).toContain('android.permission.READ_SMS');
    expect(details.firstInstallTime).toBe('2021-09-03T23:47:12.000Z');
  });

  it('reads the mSigningDetails form', () => {
    const text = `Packages:\n  Package [com.foo] (1):\n    userId=10001\n    codePath=/data/app/com.foo-1\n    mSigningDetails=SigningDetails{signatureSchemeVersion=3, certDigest SHA-256=${'ab'.repeat(32)}}\n`;
    expect(parseDumpsysPackage(text, 'com.foo').certSha256).toEqual(['ab'.repeat(32)]);
  });

  it.each([
    ['unknown package', 'Unable to find package: com.foo\n'],
    ['empty', ''],
    ['truncated after the header', 'Packages:\n  Package [com.foo] (1a2b):\n'],
  ])('fails with AdbParseError on %s', (_name, text) => {
    expect(() => parseDumpsysPackage(text, 'com.foo')).toThrow(AdbParseError);
  });
});

describe('parseSettingBoolean', () => {
  it.each([
    ['1\n', true],
    ['0', false],
    ['null\n', undefined],
  ])('%j → %s', (text, expected) => {
    expect(parseSettingBoolean('adb_enabled', text)).toBe(expected);
  });
  it('fails on other output', () => {
    expect(() => parseSettingBoolean('adb_enabled', 'Exception occurred while executing')).toThrow(
      /adb_enabled/,
    );
  });
});

describe('parseDumpsysWifi', () => {
  it.each([
    ['android-10', { ssid: 'CafeFree', bssid: '3c:84:6a:11:22:33', security: 'open', frequencyMhz: 2437 }],
    ['android-13', { ssid: 'HOME-7F2A', bssid: '64:66:b3:0a:9c:11', security: 'wpa2', frequencyMhz: 5180 }],
    ['android-14', { ssid: 'Acme-Corp', bssid: '8c:3b:ad:41:7e:02', security: 'wpa3', frequencyMhz: 5500 }],
  ])('%s', (device, expected) => {
    expect(parseDumpsysWifi(readFixture(device, 'dumpsys-wifi.txt'))).toEqual({
      enabled: true,
      connected: true,
      ...expected,
    });
  });

  it('reports a disconnected client', () => {
    const text =
      'Wi-Fi is enabled\nmWifiInfo SSID: <unknown ssid>, BSSID: 02:00:00:00:00:00, MAC: 02:00:00:00:00:00, Supplicant state: DISCONNECTED, RSSI: -127\n';
    expect(parseDumpsysWifi(text)).toEqual({ enabled: true, connected: false });
  });

  it.each([
    ['empty', ''],
    ['unrelated', "Can't find service: wifi\n"],
    ['truncated mWifiInfo', 'Wi-Fi is enabled\nmWifiInfo SSID: "Acme-C'],
  ])('fails with AdbParseError on %s', (_name, text) => {
    expect(() => parseDumpsysWifi(text)).toThrow(AdbParseError);
  });
});

describe('parseDumpsysConnectivity', () => {
  it('Android 14: Wi-Fi, DNS, strict private DNS', () => {
    expect(parseDumpsysConnectivity(readFixture('android-14', 'dumpsys-connectivity.txt'))).toEqual({
      connection: 'wifi',
      vpnActive: false,
      dnsServers: ['10.20.0.53'],
      privateDnsHost: 'dns.acme.example',
      usePrivateDns: true,
    });
  });

  it('Android 13: VPN over Wi-Fi with a manual proxy', () => {
    expect(parseDumpsysConnectivity(readFixture('android-13', 'dumpsys-connectivity.txt'))).toEqual({
      connection: 'wifi',
      vpnActive: true,
      vpnOwnerUid: 10301,
      proxy: { host: 'proxy.home.example', port: 3128 },
      dnsServers: ['103.86.96.100', '103.86.99.100'],
      usePrivateDns: false,
    });
  });

  it('Android 10: older NetworkAgentInfo layout', () => {
    expect(parseDumpsysConnectivity(readFixture('android-10', 'dumpsys-connectivity.txt'))).toMatchObject({
      connection: 'wifi',
      vpnActive: false,
      dnsServers: ['172.16.0.1'],
    });
  });

  it('reads a PAC proxy', () => {
    const text =
      'Active default network: 5\n  NetworkAgentInfo{network{5}  ni{WIFI CONNECTED} lp{{DnsAddresses: [ /1.1.1.1 ] HttpProxy: PAC Script: http://wpad.example/wpad.dat }} nc{[ Transports: WIFI ]}}\n';
    expect(parseDumpsysConnectivity(text).proxy).toEqual({ pacUrl: 'http://wpad.example/wpad.dat' });
  });

  it.each([
    ['empty', ''],
    ['no default network line', 'Current Networks:\n'],
    ['truncated before the agents', 'Active default network: 102\n\nCurrent state:\n'],
  ])('fails with AdbParseError on %s', (_name, text) => {
    expect(() => parseDumpsysConnectivity(text)).toThrow(AdbParseError);
  });
});

describe('localTimeToIso', () => {
  it.each([
    ['2024-01-15 12:00:00', 'America/New_York', '2024-01-15T17:00:00.000Z'],
    ['2024-07-15 12:00:00', 'Europe/Paris', '2024-07-15T10:00:00.000Z'],
    ['2024-07-15 12:00:00', undefined, '2024-07-15T12:00:00.000Z'],
    ['2024-07-15 12:00:00', 'Not/AZone', '2024-07-15T12:00:00.000Z'],
    ['yesterday', 'UTC', undefined],
  ])('%s in %s', (text, zone, expected) => {
    expect(localTimeToIso(text, zone)).toBe(expected);
  });
});
