export * from './detectors/index.ts';
export * from './schema/index.ts';
export * from './types.ts';
export * from './catalog/index.ts';
export * from './compliance/index.ts';
export * from './access/index.ts';
export * from './risk/index.ts';
export * from './assess.ts';
