import { type Static, Type } from '@sinclair/typebox';
import {
  BoundedArray,
  BoundedString,
  HostName,
  IpAddress,
  LIMITS,
  MacAddress,
  Sha256Hex,
  Timestamp,
} from './common.ts';

export const WifiSecuritySchema = Type.Union([
  Type.Literal('open'),
  Type.Literal('owe'),
  Type.Literal('wep'),
  Type.Literal('wpa'),
  Type.Literal('wpa2'),
  Type.Literal('wpa2-enterprise'),
  Type.Literal('wpa3'),
  Type.Literal('wpa3-enterprise'),
  Type.Literal('unknown'),
]);
export type WifiSecurity = Static<typeof WifiSecuritySchema>;

export const WifiSchema = Type.Object(
  {
    /** SSID as text (may be empty for hidden networks). */
    ssid: Type.String({ maxLength: 64 }),
    bssid: Type.Optional(MacAddress),
    security: WifiSecuritySchema,
    captivePortal: Type.Optional(Type.Boolean()),
    frequencyMhz: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
  },
  { additionalProperties: false },
);
export type Wifi = Static<typeof WifiSchema>;

export const VpnSchema = Type.Object(
  {
    active: Type.Boolean(),
    /** App providing the VPN (package / bundle id). */
    provider: Type.Optional(BoundedString(255)),
    alwaysOn: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ProxySchema = Type.Object(
  {
    host: Type.Optional(HostName),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    /** PAC file URL when the proxy is auto-configured. */
    pacUrl: Type.Optional(BoundedString(2048)),
    source: Type.Optional(
      Type.Union([Type.Literal('manual'), Type.Literal('pac'), Type.Literal('vpn'), Type.Literal('mdm')]),
    ),
  },
  { additionalProperties: false },
);

export const DnsSchema = Type.Object(
  {
    servers: BoundedArray(IpAddress, LIMITS.dnsServers),
    privateDnsMode: Type.Optional(
      Type.Union([Type.Literal('off'), Type.Literal('opportunistic'), Type.Literal('strict')]),
    ),
    privateDnsHost: Type.Optional(HostName),
  },
  { additionalProperties: false },
);

/** A TLS probe to a known host: what certificate / key the device saw versus what was expected. */
export const TlsProbeSchema = Type.Object(
  {
    host: HostName,
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    observedSpkiSha256: Type.Optional(Sha256Hex),
    observedCertSha256: Type.Optional(Sha256Hex),
    /** Pins the agent was told to expect (any one matching is fine). */
    expectedSpkiSha256: Type.Optional(BoundedArray(Sha256Hex, 16)),
    observedIssuer: Type.Optional(BoundedString(1024)),
    /** The agent's own verdict, when it checked the pins itself. */
    verdict: Type.Optional(
      Type.Union([
        Type.Literal('ok'),
        Type.Literal('mismatch'),
        Type.Literal('untrusted'),
        Type.Literal('error'),
      ]),
    ),
    at: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type TlsProbe = Static<typeof TlsProbeSchema>;

/** A plain-HTTP request to a host that always redirects to HTTPS: did the redirect survive? */
export const DowngradeProbeSchema = Type.Object(
  {
    host: HostName,
    /** Scheme of the final response the device got. `http` means the HTTPS upgrade was stripped. */
    finalScheme: Type.Union([Type.Literal('http'), Type.Literal('https')]),
    at: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type DowngradeProbe = Static<typeof DowngradeProbeSchema>;

/** A DNS probe: the addresses a known name resolved to, and those it should resolve to. */
export const DnsProbeSchema = Type.Object(
  {
    host: HostName,
    observed: BoundedArray(IpAddress, 32),
    expected: BoundedArray(IpAddress, 32),
    at: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type DnsProbe = Static<typeof DnsProbeSchema>;

/** The default gateway's MAC address as seen at one time on one Wi-Fi network. */
export const GatewayObservationSchema = Type.Object(
  {
    bssid: Type.Optional(MacAddress),
    ip: IpAddress,
    mac: MacAddress,
    at: Timestamp,
  },
  { additionalProperties: false },
);
export type GatewayObservation = Static<typeof GatewayObservationSchema>;

export const CaCertificateSchema = Type.Object(
  {
    sha256: Sha256Hex,
    subject: BoundedString(1024),
    issuer: Type.Optional(BoundedString(1024)),
    notAfter: Type.Optional(Timestamp),
    /** Installed by the device manager (MDM) rather than the user. */
    managed: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CaCertificate = Static<typeof CaCertificateSchema>;

export const IosProfileSchema = Type.Object(
  {
    identifier: BoundedString(255),
    uuid: Type.Optional(BoundedString(64)),
    displayName: Type.Optional(BoundedString(256)),
    organization: Type.Optional(BoundedString(256)),
    /** Payload types, e.g. `com.apple.security.root`, `com.apple.proxy.http.global`, `com.apple.vpn.managed`. */
    payloadTypes: Type.Optional(BoundedArray(BoundedString(255), LIMITS.profilePayloadTypes)),
    /** Installed by the device manager (MDM) rather than the user. */
    managed: Type.Optional(Type.Boolean()),
    installedAt: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type IosProfile = Static<typeof IosProfileSchema>;

/** Network state at the time of the snapshot. */
export const NetworkSchema = Type.Object(
  {
    connection: Type.Union([
      Type.Literal('wifi'),
      Type.Literal('cellular'),
      Type.Literal('ethernet'),
      Type.Literal('none'),
      Type.Literal('unknown'),
    ]),
    wifi: Type.Optional(WifiSchema),
    vpn: Type.Optional(VpnSchema),
    proxy: Type.Optional(ProxySchema),
    dns: Type.Optional(DnsSchema),
    tlsProbes: Type.Optional(BoundedArray(TlsProbeSchema, LIMITS.tlsProbes)),
    downgradeProbes: Type.Optional(BoundedArray(DowngradeProbeSchema, LIMITS.downgradeProbes)),
    dnsProbes: Type.Optional(BoundedArray(DnsProbeSchema, LIMITS.dnsProbes)),
    /** Oldest first. */
    gatewayMacHistory: Type.Optional(BoundedArray(GatewayObservationSchema, LIMITS.gatewayMacHistory)),
    userCaCertificates: Type.Optional(BoundedArray(CaCertificateSchema, LIMITS.userCaCertificates)),
    iosProfiles: Type.Optional(BoundedArray(IosProfileSchema, LIMITS.iosProfiles)),
  },
  { additionalProperties: false },
);
export type Network = Static<typeof NetworkSchema>;
