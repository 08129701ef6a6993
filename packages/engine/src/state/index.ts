export * from './rate-device.ts';
