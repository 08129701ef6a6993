export { eolStatus, findDeviceEolCycles } from './device-eol.ts';
export { IntelParseError } from './errors.ts';
export type { IntelIndex, IntelStats } from './index-builder.ts';
export { buildIntelIndex } from './index-builder.ts';
export * from './normalize.ts';
export type { ExploitedAndroidVulnerability, ExploitedIosRelease, OsIntel } from './os-intel.ts';
export { detectFormat, type IntelParser, PARSERS, parseIntelFile } from './parsers/detect.ts';
export { mispFeedFileRole } from './parsers/misp.ts';
export * from './types.ts';
