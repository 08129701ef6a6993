import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { type GatewayRoute, parseGatewayConfig } from './schema.ts';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Reads a gateway config file (`.json`, or YAML otherwise) for `riskgate serve --gateway-config`
 * and returns its validated routes. Errors name the file and the bad setting.
 */
export async function loadGatewayConfig(path: string): Promise<GatewayRoute[]> {
  const text = await readFile(path, 'utf8');
  let value: unknown;
  try {
    value = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(`${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${messageOf(error)}`);
  }
  try {
    return parseGatewayConfig(value);
  } catch (error) {
    throw new Error(`${path}: ${messageOf(error)}`);
  }
}
