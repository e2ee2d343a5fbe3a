/**
 * Wall-clock time in an IANA time zone: what a clock on the wall there reads at a given instant, and
 * back. Built on Node's own ICU time-zone data through Intl, with no library, because the rules above
 * this need two primitives only and need them with an explicit answer for the two hard cases (a
 * spring-forward gap: a local time that never happens; a fall-back overlap: a local time that happens
 * twice) — tz libraries resolve those silently by their own policy, which is exactly what must be
 * visible and tested here. The tz data is ICU's, so it is as current as the Node release.
 *
 * A *wall time* is the local date and time encoded as milliseconds as if it were UTC, so calendar
 * arithmetic (add days, weekday, time of day) is plain UTC arithmetic on it. Instants are epoch ms.
 *
 * Assumption (the one Temporal polyfills make too): a zone changes its offset at most once in any two
 * consecutive days. Every zone in the current tz database meets it.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

// Building a formatter costs far more than formatting with one; the cap bounds memory against endless spellings
// of valid zones ("europe/berlin", "EUROPE/BERLIN", ...) arriving from outside.
const MAX_CACHED_FORMATTERS = 1000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= MAX_CACHED_FORMATTERS) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True for any zone name Intl knows (IANA names and their aliases, any case). Offsets like "+01:00" are not zones. */
export function isTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return false;
  try {
    formatterFor(value);
    return true;
  } catch {
    return false;
  }
}

/** Date.UTC, minus its habit of reading years 0-99 as 1900-1999. */
export function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

// What the en-US formatter prints with the options above, e.g. "3/29/2026 AD, 03:00:00". Parsing the
// string is three times faster than formatToParts; the parts are the fallback should ICU ever change it.
const PRINTED = /^(\d{1,2})\/(\d{1,2})\/(\d{1,6}) (AD|BC), (\d{2}):(\d{2}):(\d{2})$/;

/** The wall time at `instant` in `timeZone`. Throws RangeError for an unknown zone or an invalid instant. */
export function wallTimeMs(instant: number, timeZone: string): number {
  if (!Number.isFinite(instant)) throw new RangeError('invalid instant');
  const formatter = formatterFor(timeZone);
  const millis = ((instant % 1000) + 1000) % 1000;
  const m = PRINTED.exec(formatter.format(instant));
  if (m !== null) {
    const year = m[4] === 'BC' ? 1 - Number(m[3]) : Number(m[3]);
    return utcMs(year, Number(m[1]), Number(m[2]), Number(m[5]) % 24, Number(m[6]), Number(m[7])) + millis;
  }
  const p: Record<string, string> = {};
  for (const part of formatter.formatToParts(instant)) p[part.type] = part.value;
  const year = p.era === 'BC' ? 1 - Number(p.year) : Number(p.year);
  // Some ICU builds print midnight as 24 even with h23.
  return utcMs(year, Number(p.month), Number(p.day), Number(p.hour) % 24, Number(p.minute), Number(p.second)) + millis;
}

/** The zone's offset from UTC at `instant` (positive east of Greenwich). */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  return wallTimeMs(instant, timeZone) - instant;
}

/** Start (wall time) of the local day a wall time falls on. */
export function wallDayStart(wall: number): number {
  return Math.floor(wall / DAY_MS) * DAY_MS;
}

/** ISO weekday of a wall time: Monday = 1 ... Sunday = 7. */
export function isoWeekday(wall: number): number {
  const d = new Date(wall).getUTCDay();
  return d === 0 ? 7 : d;
}

/** How a wall time maps back to instants: once, twice (fall-back overlap) or never (spring-forward gap). */
export type WallTimeResolution =
  | { kind: 'unique'; instant: number }
  | { kind: 'repeated'; earlier: number; later: number }
  /** `transition`: the instant the clock jumped over this wall time (the first instant whose wall time is
   *  later than it). `shifted`: the wall time pushed later by the length of the gap (Temporal's
   *  "compatible" choice: 02:30 in a one-hour gap becomes 03:30). */
  | { kind: 'skipped'; transition: number; shifted: number };

/** Offsets at instants, looked up via `zoneOffsetMs`; a caller resolving many nearby wall times may pass a memoized one. */
export type OffsetLookup = (instant: number) => number;

/** A lookup that remembers every answer: resolving consecutive days asks for the same instants twice. */
export function memoizedOffsets(timeZone: string): OffsetLookup {
  const seen = new Map<number, number>();
  return (instant) => {
    let offset = seen.get(instant);
    if (offset === undefined) seen.set(instant, (offset = zoneOffsetMs(instant, timeZone)));
    return offset;
  };
}

export function resolveWallTime(wall: number, timeZone: string, offsetAt: OffsetLookup = (t) => zoneOffsetMs(t, timeZone)): WallTimeResolution {
  if (!Number.isFinite(wall)) throw new RangeError('invalid wall time');
  const offsetBefore = offsetAt(wall - DAY_MS);
  const offsetAfter = offsetAt(wall + DAY_MS);
  // The same offset a day either side: no change in between (see the assumption above).
  if (offsetBefore === offsetAfter) return { kind: 'unique', instant: wall - offsetBefore };
  const candidates = [wall - offsetBefore, wall - offsetAfter].sort((a, b) => a - b);
  const matches = candidates.filter((instant) => instant + offsetAt(instant) === wall);
  if (matches.length === 2) return { kind: 'repeated', earlier: matches[0]!, later: matches[1]! };
  if (matches.length === 1) return { kind: 'unique', instant: matches[0]! };
  return {
    kind: 'skipped',
    transition: offsetTransition(wall - offsetAfter, wall - offsetBefore, timeZone),
    shifted: wall - offsetBefore,
  };
}

/**
 * The instant in (`before`, `after`] at which the zone switches from the offset it has at `before` to
 * the one it has at `after`. Offsets change on whole seconds, so a binary search over seconds finds it
 * exactly in a few steps (about 12 for a one-hour span).
 */
export function offsetTransition(before: number, after: number, timeZone: string): number {
  const target = zoneOffsetMs(after, timeZone);
  let lo = Math.floor(before / 1000);
  let hi = Math.ceil(after / 1000);
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (zoneOffsetMs(mid * 1000, timeZone) === target) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}
