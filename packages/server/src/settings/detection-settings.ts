import { type AssessSettings, WifiSecuritySchema } from '@riskgate/engine';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** The settings key of the tenant's detection settings. */
export const DETECTION_KEY = 'detection';

const Mac = Type.String({ pattern: '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$', maxLength: 17 });
const Ip = Type.String({ minLength: 2, maxLength: 45, pattern: '^[0-9a-fA-F:.]+$' });

/** A Wi-Fi network of the company: the same SSID seen with weaker security or another BSSID is a rogue AP. */
export const KnownNetworkSchema = Type.Object(
  {
    ssid: Type.String({ minLength: 1, maxLength: 64, description: 'The network name' }),
    security: WifiSecuritySchema,
    bssids: Type.Optional(
      Type.Array(Mac, {
        maxItems: 256,
        description: 'The real access points; when given, the SSID from any other BSSID is a rogue AP',
      }),
    ),
    dnsServers: Type.Optional(
      Type.Array(Ip, { maxItems: 16, description: 'DNS servers this network hands out' }),
    ),
  },
  { additionalProperties: false },
);

/** Tenant settings the detectors use (report ingestion passes them to `assess`). */
export const DetectionSettingsSchema = Type.Object(
  {
    knownNetworks: Type.Array(KnownNetworkSchema, {
      maxItems: 100,
      description: 'Company Wi-Fi networks (rogue access point detection)',
    }),
  },
  { additionalProperties: false },
);
export type DetectionSettings = Static<typeof DetectionSettingsSchema>;

export const DEFAULT_DETECTION: DetectionSettings = { knownNetworks: [] };

/**
 * The stored document as settings, checked at this boundary: a document that does not match the
 * schema (written by an older version, or by hand) counts as the defaults rather than half-applied.
 */
export function parseDetectionSettings(text: string | undefined): DetectionSettings {
  if (text === undefined) return DEFAULT_DETECTION;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return DEFAULT_DETECTION;
  }
  return Value.Check(DetectionSettingsSchema, value) ? value : DEFAULT_DETECTION;
}

/** What `assess` takes of them (BSSIDs lower-cased, as the detector compares them). */
export function assessSettingsOf(settings: DetectionSettings): Partial<AssessSettings> {
  return {
    knownNetworks: settings.knownNetworks.map((network) => ({
      ...network,
      ...(network.bssids === undefined ? {} : { bssids: network.bssids.map((b) => b.toLowerCase()) }),
    })),
  };
}
