import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import type { MachineInfo } from './types.ts';

/** The machine a run is measured on; `loadStart` is the load average when called. */
export function machineInfo(loadStart: readonly number[] = loadavg()): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown CPU',
    cores: list.length,
    memoryGiB: totalmem() / 1024 ** 3,
    node: process.version,
    platform: `${platform()} ${release()}`,
    loadStart,
    loadEnd: loadavg(),
  };
}
