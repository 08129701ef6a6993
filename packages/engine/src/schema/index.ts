export * from './app.ts';
export * from './apply-events.ts';
export { LIMITS as SNAPSHOT_LIMITS } from './common.ts';
export * from './device.ts';
export * from './json-schema.ts';
export * from './network.ts';
export * from './redact.ts';
export * from './report.ts';
export * from './snapshot.ts';
