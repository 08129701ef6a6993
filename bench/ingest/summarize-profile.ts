import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly endTime: number;
}

/** File of a frame, shortened to `packages/…` or `node_modules/<package>`. */
function shortFile(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return `node_modules/${pkg[1]}`;
  return url.replace(/^.*\/packages\//, 'packages/') || '(native)';
}

/**
 * Self time of a V8 `.cpuprofile`, over the last `windowMs` before the profile's end (the measured
 * load, not the start-up), by function and by file, as text lines (`share  ms  name`).
 */
export function topSelfTime(path: string, top: number, windowMs = Number.POSITIVE_INFINITY): string[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totalUs = profile.timeDeltas.reduce((a, b) => a + b, 0);
  const fromUs = totalUs - windowMs * 1000;
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const files = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let at = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    const node = byId.get(id);
    if (at < fromUs || node === undefined) return;
    total += dt;
    const f = node.callFrame;
    const file = shortFile(f.url);
    const key = `${f.functionName || '(anonymous)'}  ${file}${f.url === '' ? '' : `:${f.lineNumber + 1}`}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    files.set(file, (files.get(file) ?? 0) + dt);
    // Inclusive: once per function of this project on the stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (frame === undefined || !frame.url.includes('/packages/') || frame.functionName === '') continue;
      const name = `${frame.functionName}  ${shortFile(frame.url)}`;
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
    }
  });
  const lines = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([key, us]) =>
          `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`,
      );
  return [
    `window: ${(total / 1e6).toFixed(1)} s of ${(totalUs / 1e6).toFixed(1)} s`,
    '-- by function (self) --',
    ...lines(self),
    '-- by file / package (self) --',
    ...lines(files),
    '-- named functions of packages/ (inclusive) --',
    ...lines(inclusive),
  ];
}
