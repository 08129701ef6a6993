import { nameKey } from './normalize.ts';
import type { OsIntel } from './os-intel.ts';
import type { EolCycle } from './types.ts';

/** endoflife.date device products per manufacturer (lower-case), and the prefix their labels omit. */
const ANDROID_PRODUCTS: Readonly<Record<string, readonly string[]>> = {
  google: ['pixel', 'google-nexus'],
  samsung: ['samsung-mobile', 'samsung-galaxy-tab'],
  motorola: ['motorola-mobility'],
  oneplus: ['oneplus'],
  nokia: ['nokia'],
  hmd: ['nokia'],
  'hmd global': ['nokia'],
  fairphone: ['fairphone'],
};
const LABEL_PREFIX: Readonly<Record<string, string>> = {
  iphone: 'iPhone ',
  'samsung-mobile': 'Samsung ',
  'motorola-mobility': 'Motorola ',
};

const INDEXES = new WeakMap<OsIntel, Map<string, Map<string, EolCycle[]>>>();

/** Name keys of a cycle: its label, label with the product prefix, and its cycle id (not pure digits). */
function keysOfCycle(cycle: EolCycle): string[] {
  const keys = [
    cycle.label,
    cycle.label === undefined ? undefined : `${LABEL_PREFIX[cycle.product] ?? ''}${cycle.label}`,
    cycle.cycle,
  ]
    .filter((k): k is string => k !== undefined)
    .map(nameKey);
  return [...new Set(keys)].filter((k) => k !== '' && !/^\d+$/.test(k));
}

function productIndex(os: OsIntel, product: string): Map<string, EolCycle[]> {
  let byProduct = INDEXES.get(os);
  if (byProduct === undefined) {
    byProduct = new Map();
    INDEXES.set(os, byProduct);
  }
  let index = byProduct.get(product);
  if (index === undefined) {
    index = new Map();
    for (const cycle of os.eolCycles(product)) {
      for (const key of keysOfCycle(cycle)) index.set(key, [...(index.get(key) ?? []), cycle]);
    }
    byProduct.set(product, index);
  }
  return index;
}

/** Drops what Apple appends to model names (`Wi-Fi + Cellular`, `(China mainland)`). */
function cleanMarketingName(name: string): string {
  return name
    .replace(/\s*\((China mainland|1 or 2 TB)\)/gi, '')
    .replace(/\s+Wi-Fi(\s*\+\s*Cellular)?.*$/i, '')
    .replace(/\s+\+?\s*Cellular.*$/i, '');
}

/**
 * The endoflife.date cycles of a device model: Apple model identifiers go through SOFA's
 * marketing names (`iPhone14,2` → `iPhone 13 Pro` → iphone `13 Pro`); Android models are matched
 * by name within the manufacturer's products (`Pixel 6` → pixel `6`). Empty when unknown.
 */
export function findDeviceEolCycles(
  os: OsIntel,
  device: { readonly platform: string; readonly model: string; readonly manufacturer: string },
): readonly EolCycle[] {
  let memo = MEMO.get(os);
  if (memo === undefined) {
    memo = new Map();
    MEMO.set(os, memo);
  }
  const key = `${device.platform}\u0000${device.manufacturer}\u0000${device.model}`;
  let cycles = memo.get(key);
  if (cycles === undefined) {
    cycles = matchDevice(os, device);
    // Bounded: a fleet has few distinct models; a flood of made-up ones only costs a rebuild.
    if (memo.size > 10_000) memo.clear();
    memo.set(key, cycles);
  }
  return cycles;
}

const MEMO = new WeakMap<OsIntel, Map<string, readonly EolCycle[]>>();

function matchDevice(
  os: OsIntel,
  device: { readonly platform: string; readonly model: string; readonly manufacturer: string },
): EolCycle[] {
  const manufacturer = device.manufacturer.trim().toLowerCase();
  const names = [device.model, `${device.manufacturer} ${device.model}`];
  let products: readonly string[];
  if (device.platform === 'ios' || manufacturer === 'apple') {
    const marketing = os.deviceModelName(device.model);
    if (marketing !== undefined) names.push(cleanMarketingName(marketing));
    products = /ipad/i.test(device.model) || /ipad/i.test(marketing ?? '') ? ['ipad'] : ['iphone'];
  } else {
    products = ANDROID_PRODUCTS[manufacturer] ?? [];
  }
  const keys = [...new Set(names.map(nameKey))].filter((k) => k !== '' && !/^\d+$/.test(k));
  const found: EolCycle[] = [];
  for (const product of products) {
    const index = productIndex(os, product);
    for (const key of keys)
      for (const cycle of index.get(key) ?? []) if (!found.includes(cycle)) found.push(cycle);
  }
  return found;
}

/** Whether a cycle's security support has ended at `today` (`YYYY-MM-DD`); the end date when known. */
export function eolStatus(cycle: EolCycle, today: string): { ended: boolean; date?: string } {
  if (cycle.eol === true) return { ended: true };
  if (cycle.eol === false) return { ended: false };
  return { ended: cycle.eol <= today, date: cycle.eol };
}
