export * from './detectors/settings.ts';
export * from './detectors/types.ts';
export * from './schema/index.ts';
export * from './types.ts';
export * from './catalog/index.ts';
export * from './compliance/index.ts';
