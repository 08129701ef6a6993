import { nameKey, normalizeAndroidVersion } from './normalize.ts';
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

/** The device a lookup is for. */
export interface DeviceModelQuery {
  readonly platform: string;
  readonly model: string;
  readonly manufacturer: string;
}

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

/** Cycles of one product by name key. */
function productIndex(cycles: readonly EolCycle[]): Map<string, EolCycle[]> {
  const index = new Map<string, EolCycle[]>();
  for (const cycle of cycles) {
    for (const key of keysOfCycle(cycle)) index.set(key, [...(index.get(key) ?? []), cycle]);
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

/** Every product a device can match: Apple's and the Android manufacturers'. */
const DEVICE_PRODUCTS: readonly string[] = [
  ...new Set(['iphone', 'ipad', ...Object.values(ANDROID_PRODUCTS).flat()]),
];

/** Most device models remembered per index; past it the memo starts over. */
const MEMO_LIMIT = 10_000;

/**
 * Device models → endoflife.date cycles, for one OS intel: the per-product name indexes are built
 * once, at construction (by the intel builder), and the answers per model are remembered in this
 * instance (bounded: a fleet has few distinct models; a flood of made-up ones only costs a rebuild).
 * The memo is a pure function's cache over immutable intel, owned by that intel.
 */
export class DeviceEolIndex {
  private readonly byProduct = new Map<string, Map<string, EolCycle[]>>();
  private readonly memo = new Map<string, readonly EolCycle[]>();

  constructor(
    eolCycles: (product: string) => readonly EolCycle[],
    private readonly deviceModelName: (id: string) => string | undefined,
  ) {
    for (const product of DEVICE_PRODUCTS) this.byProduct.set(product, productIndex(eolCycles(product)));
  }

  /** See {@link findDeviceEolCycles}. */
  find(device: DeviceModelQuery): readonly EolCycle[] {
    const key = `${device.platform}\u0000${device.manufacturer}\u0000${device.model}`;
    let cycles = this.memo.get(key);
    if (cycles === undefined) {
      cycles = this.match(device);
      if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
      this.memo.set(key, cycles);
    }
    return cycles;
  }

  private match(device: DeviceModelQuery): EolCycle[] {
    const manufacturer = device.manufacturer.trim().toLowerCase();
    const names = [device.model, `${device.manufacturer} ${device.model}`];
    let products: readonly string[];
    if (device.platform === 'ios' || manufacturer === 'apple') {
      const marketing = this.deviceModelName(device.model);
      if (marketing !== undefined) names.push(cleanMarketingName(marketing));
      products = /ipad/i.test(device.model) || /ipad/i.test(marketing ?? '') ? ['ipad'] : ['iphone'];
    } else {
      products = ANDROID_PRODUCTS[manufacturer] ?? [];
    }
    const keys = [...new Set(names.map(nameKey))].filter((k) => k !== '' && !/^\d+$/.test(k));
    const found: EolCycle[] = [];
    for (const product of products) {
      const index = this.byProduct.get(product);
      if (index === undefined) continue;
      for (const key of keys)
        for (const cycle of index.get(key) ?? []) if (!found.includes(cycle)) found.push(cycle);
    }
    return found;
  }
}

/**
 * The endoflife.date cycles of a device model: Apple model identifiers go through SOFA's
 * marketing names (`iPhone14,2` → `iPhone 13 Pro` → iphone `13 Pro`); Android models are matched
 * by name within the manufacturer's products (`Pixel 6` → pixel `6`). Empty when unknown.
 */
export function findDeviceEolCycles(os: OsIntel, device: DeviceModelQuery): readonly EolCycle[] {
  return os.deviceEolCycles(device);
}

/**
 * OS cycles keyed `android:12L`, `ios:17`, `ipados:17` (the first cycle of each wins), built once
 * per OS intel by its builder.
 */
export function buildOsEolCycles(eolCycles: (product: string) => readonly EolCycle[]): Map<string, EolCycle> {
  const map = new Map<string, EolCycle>();
  for (const cycle of eolCycles('android')) {
    const version = normalizeAndroidVersion(cycle.cycle);
    if (version !== undefined && !map.has(`android:${version}`)) map.set(`android:${version}`, cycle);
  }
  for (const product of ['ios', 'ipados']) {
    for (const cycle of eolCycles(product))
      if (!map.has(`${product}:${cycle.cycle}`)) map.set(`${product}:${cycle.cycle}`, cycle);
  }
  return map;
}

/** Whether a cycle's security support has ended at `today` (`YYYY-MM-DD`); the end date when known. */
export function eolStatus(cycle: EolCycle, today: string): { ended: boolean; date?: string } {
  if (cycle.eol === true) return { ended: true };
  if (cycle.eol === false) return { ended: false };
  return { ended: cycle.eol <= today, date: cycle.eol };
}
