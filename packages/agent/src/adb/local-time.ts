const LOCAL = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Offset in ms of `timeZone` at `instant` (local = UTC + offset). */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string): number => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const local = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return local - Math.floor(instant / 1000) * 1000;
}

/**
 * Converts a device-local time as `dumpsys` prints it (`2023-05-02 14:03:11`) to ISO 8601 UTC, using
 * the device's time zone (`persist.sys.timezone`); UTC when the zone is unknown or invalid.
 * Returns undefined for text in another format.
 */
export function localTimeToIso(text: string, timeZone: string | undefined): string | undefined {
  const match = LOCAL.exec(text.trim());
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const asUtc = Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0);
  if (Number.isNaN(asUtc)) return undefined;
  let offset = 0;
  if (timeZone !== undefined && timeZone !== '') {
    try {
      offset = zoneOffsetMs(asUtc - zoneOffsetMs(asUtc, timeZone), timeZone);
    } catch {
      offset = 0; // unknown zone id: fall back to UTC rather than fail the whole scan
    }
  }
  return new Date(asUtc - offset).toISOString();
}
