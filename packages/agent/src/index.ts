/**
 * @riskgate/agent: the device agent SDK (keys, enrollment, signed requests, offline queue), the adb
 * collector, device profiles and the fleet simulator. See docs/agent-protocol.md for the wire contract.
 */
export * from './adb/adb-parse-error.ts';
export * from './adb/adb-runner.ts';
export * from './adb/collect-snapshot.ts';
export * from './adb/dumpsys-network.ts';
export * from './adb/dumpsys-package.ts';
export * from './adb/getprop.ts';
export * from './adb/pm-list.ts';
export * from './adb/settings.ts';
export * from './profiles/clean-device.ts';
export * from './profiles/datasets.ts';
export * from './profiles/generate-device.ts';
export * from './profiles/profiles.ts';
export * from './profiles/rng.ts';
export * from './sdk/agent-client.ts';
export * from './sdk/backoff.ts';
export * from './sdk/enrollment-store.ts';
export * from './sdk/http.ts';
export * from './sdk/keys.ts';
export * from './sdk/queue.ts';
export * from './sdk/sign.ts';
export * from './sdk/wire.ts';
export * from './simulator/fleet.ts';
export * from './simulator/mix.ts';
export * from './simulator/stats.ts';
