import { describe, expect, it } from 'vitest';
import { chainNamed, loadChains } from '../../test-support/attestation.ts';
import { parseAttestationChain } from './chain.ts';
import { KeyDescriptionError, parseKeyDescription } from './key-description.ts';

/** Google's JSON says `keyMint*`; the API keeps the schema's historical `keymaster*` names. */
const ALIASES: Readonly<Record<string, string>> = {
  keyMintVersion: 'keymasterVersion',
  keyMintSecurityLevel: 'keymasterSecurityLevel',
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Collects differences between `actual` and every field of `expected` (Google's JSON writes
 * integers as strings; sets are compared order-free). Returns human-readable mismatch lines.
 */
function compare(actual: unknown, expected: unknown, path: string): string[] {
  if (isRecord(expected)) {
    if (!isRecord(actual)) return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) => {
      const actualKey = ALIASES[key] ?? key;
      if (!(actualKey in actual)) return [`${path}.${key}: missing`];
      return compare(actual[actualKey], value, `${path}.${key}`);
    });
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
    }
    if (expected.every((item) => !isRecord(item))) {
      const sortedActual = actual.map(String).sort();
      const sortedExpected = expected.map(String).sort();
      return sortedActual.join('\n') === sortedExpected.join('\n')
        ? []
        : [`${path}: expected ${JSON.stringify(sortedExpected)}, got ${JSON.stringify(sortedActual)}`];
    }
    return expected.flatMap((item, index) => compare(actual[index], item, `${path}[${index}]`));
  }
  return String(actual) === String(expected)
    ? []
    : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

/** Fields we emit that the expected JSON must then also list (catches a tag decoded under the wrong name). */
function extraFields(
  actual: Record<string, unknown>,
  expected: Record<string, unknown>,
  path: string,
): string[] {
  return Object.keys(actual)
    .filter((key) => key !== 'areTagsOrdered' && !(key in expected))
    .map((key) => `${path}.${key}: not in the expected JSON`);
}

const WITH_EXPECTED = loadChains().filter((chain) => chain.expected !== undefined);

describe('parseKeyDescription against Google keyattestation testdata', () => {
  it('finds the fixtures', () => {
    expect(WITH_EXPECTED.length).toBeGreaterThanOrEqual(20);
  });

  it.each(WITH_EXPECTED.map((chain) => [chain.name, chain] as const))(
    '%s matches its expected JSON',
    (_name, chain) => {
      const expected = chain.expected ?? {};
      const [leaf] = parseAttestationChain([chain.pem]);
      const description = parseKeyDescription(leaf ?? chain.pem);
      const problems = compare(description, expected, '$');
      for (const list of ['softwareEnforced', 'hardwareEnforced'] as const) {
        const expectedList = expected[list];
        if (isRecord(expectedList)) {
          problems.push(
            ...extraFields(
              description[list] as unknown as Record<string, unknown>,
              expectedList,
              `$.${list}`,
            ),
          );
        }
      }
      expect(problems).toEqual([]);
    },
  );
});

describe('parseKeyDescription on bad input', () => {
  it.each([
    ['invalid/malformed_rot_device_locked.pem', /BOOLEAN is not DER/],
    ['p256_sha384_intermediate.pem', /does not decode/],
  ])('%s is refused', (name, message) => {
    expect(() => parseKeyDescription(chainNamed(name).pem)).toThrow(KeyDescriptionError);
    expect(() => parseKeyDescription(chainNamed(name).pem)).toThrow(message);
  });

  it('reports tags out of ascending order', () => {
    const description = parseKeyDescription(chainNamed('invalid/tags_not_in_ascending_order.pem').pem);
    expect(description.hardwareEnforced.areTagsOrdered).toBe(false);
    expect(description.softwareEnforced.areTagsOrdered).toBe(true);
  });

  it('refuses a certificate without the extension (a root)', () => {
    const pem = chainNamed('akita/sdk34/TEE_EC_NONE.pem').pem;
    const root = parseAttestationChain([pem]).at(-1);
    expect(() => parseKeyDescription(root ?? pem)).toThrow(/no KeyDescription/);
  });

  it('decodes the attested device ids and the application id', () => {
    const description = parseKeyDescription(chainNamed('akita/sdk34/TEE_RSA_BASE+IMEI.pem').pem);
    expect(description.hardwareEnforced.attestationIdModel).toBe('Pixel 8a');
    expect(description.hardwareEnforced.attestationIdImei).toBe('351163520096208');
    expect(description.softwareEnforced.attestationApplicationId?.packages[0]?.name).toBe('AndroidSystem');
    expect(description.attestationChallengeHex).toBe(Buffer.from('challenge').toString('hex'));
  });
});
