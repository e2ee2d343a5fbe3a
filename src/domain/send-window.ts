/**
 * The send window: the weekdays and hours in which a campaign's invitations may go out, read on a
 * clock in one time zone: the one the window pins, else the customer's, else the store's, else the
 * tenant's (see send-time-zone.ts).
 *
 * Meaning, defined on the local clock so it can be stated and tested exactly: an instant is inside the
 * window when, read on a clock in the zone, its ISO weekday (Monday = 1 ... Sunday = 7) is one of
 * `days` and its time of day is in [from, to). When `to` is earlier than `from` the window runs
 * overnight and belongs to the day it opens: days [5], 20:00-02:00 is Friday 20:00 to Saturday 02:00.
 * `to` may be "24:00" for the end of the day.
 *
 * What that implies across DST changes, on purpose: an invitation is never sent at a local time
 * outside the window as the customer's clock shows it. A part of the window inside a spring-forward
 * gap does not exist that day (a window opening at 02:30 in a 02:00-03:00 gap opens at the jump, when
 * the clock reads 03:00). In a fall-back overlap the repeated local times count twice, so the window
 * can open again when the clock goes back.
 */
import type { FieldError } from './field-error.ts';
import { DAY_MS, MINUTE_MS, isTimeZone, isoWeekday, memoizedOffsets, offsetTransition, resolveWallTime, wallDayStart, wallTimeMs, type OffsetLookup } from './wall-clock.ts';

export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export type SendWindow = {
  days: readonly IsoWeekday[];
  /** "HH:MM", 00:00-23:59. */
  from: string;
  /** "HH:MM", 00:00-24:00; earlier than `from` means overnight. */
  to: string;
  /** Pins the window to one zone (a B2B team's office hours); absent = the recipient's zone. */
  timezone?: string;
};

export type SendWindowCheck = { ok: true; value: SendWindow } | { ok: false; fields: FieldError[] };

const KNOWN_KEYS = new Set(['days', 'from', 'to', 'timezone']);
// A weekly pattern repeats after 7 days; the margin covers local dates that DST moves around.
const MAX_DAYS_AHEAD = 14;

/** Validates a window as clients send it. Field names in `fields` are relative to the window. */
export function checkSendWindow(input: unknown): SendWindowCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, fields: [{ field: '', message: 'must be an object like {"days":[1,2,3,4,5],"from":"09:00","to":"18:00"}' }] };
  }
  const raw = input as Record<string, unknown>;
  const fields: FieldError[] = [];
  for (const key of Object.keys(raw)) if (!KNOWN_KEYS.has(key)) fields.push({ field: key, message: 'is not a send window field' });

  const days: IsoWeekday[] = [];
  if (!Array.isArray(raw.days) || raw.days.length === 0) {
    fields.push({ field: 'days', message: 'must list at least one weekday (1 = Monday ... 7 = Sunday), or the window never opens' });
  } else if (!raw.days.every((d) => Number.isInteger(d) && (d as number) >= 1 && (d as number) <= 7)) {
    fields.push({ field: 'days', message: 'must hold ISO weekdays 1-7 (1 = Monday ... 7 = Sunday)' });
  } else {
    for (const d of [...new Set(raw.days as IsoWeekday[])].sort((a, b) => a - b)) days.push(d);
  }

  const from = minutesOf(raw.from, false);
  if (from === undefined) fields.push({ field: 'from', message: 'must be a time like 09:00 (00:00-23:59)' });
  const to = minutesOf(raw.to, true);
  if (to === undefined) fields.push({ field: 'to', message: 'must be a time like 18:00 (00:00-24:00)' });
  if (from !== undefined && to !== undefined && from === to) {
    fields.push({ field: 'to', message: 'must differ from "from", or the window never opens (omit the window to send at any time)' });
  }

  const pinned = raw.timezone ?? undefined;
  if (pinned !== undefined && !isTimeZone(pinned)) {
    fields.push({ field: 'timezone', message: 'must be an IANA time zone like Europe/Berlin' });
  }
  if (fields.length > 0) return { ok: false, fields };
  const value: SendWindow = { days, from: raw.from as string, to: raw.to as string };
  if (pinned !== undefined) value.timezone = pinned as string;
  return { ok: true, value };
}

/** The clock a window is read on: its pinned zone, else the recipient's (see send-time-zone.ts). */
export function windowTimeZone(window: SendWindow | undefined, recipientTimeZone: string): string {
  return window?.timezone ?? recipientTimeZone;
}

/** True when `instant` is inside the window, read in `timeZone` unless the window pins its own. */
export function isInSendWindow(instant: Date, window: SendWindow, timeZone: string): boolean {
  return inside(instant.getTime(), compile(window), zoneOrThrow(windowTimeZone(window, timeZone)));
}

/**
 * The earliest instant at or after `earliest` that is inside the window, read in `timeZone` unless the
 * window pins its own. Works in
 * bounded steps (a few local days, each resolved exactly), never by stepping through time.
 * Throws RangeError for an invalid window or zone: callers validate both when they are saved.
 */
export function nextSendTime(earliest: Date, window: SendWindow, timeZone: string): Date {
  const spec = compile(window);
  const zone = zoneOrThrow(windowTimeZone(window, timeZone));
  const start = earliest.getTime();
  if (Number.isNaN(start)) throw new RangeError('invalid earliest date');
  if (inside(start, spec, zone)) return new Date(start);

  // The answer opens the window: the clock reaches `from` (once, or twice in an overlap), jumps past it
  // (gap), or jumps back into the window (overlap around `to`). Gather those instants day by day.
  const firstDay = wallDayStart(wallTimeMs(start, zone));
  const offsetAt = memoizedOffsets(zone);
  let best = Number.POSITIVE_INFINITY;
  let foundOn = Number.POSITIVE_INFINITY;
  // Day -1: an overnight window opened yesterday; one day past the first find: local days can overlap.
  for (let k = -1; k <= MAX_DAYS_AHEAD && k <= foundOn + 1; k++) {
    for (const { instant, wall } of openingsOn(firstDay + k * DAY_MS, spec, zone, offsetAt)) {
      if (instant >= start && instant < best && insideWall(wall, spec)) {
        best = instant;
        foundOn = Math.min(foundOn, k);
      }
    }
  }
  if (!Number.isFinite(best)) throw new RangeError('the send window never opens in this time zone');
  return new Date(best);
}

type WindowSpec = { days: ReadonlySet<number>; from: number; to: number; overnight: boolean };

function compile(window: SendWindow): WindowSpec {
  const check = checkSendWindow(window);
  if (!check.ok) throw new RangeError(`invalid send window: ${check.fields.map((f) => `${f.field} ${f.message}`).join('; ')}`);
  const from = minutesOf(window.from, false)! * MINUTE_MS;
  const to = minutesOf(window.to, true)! * MINUTE_MS;
  return { days: new Set(window.days), from, to, overnight: to < from };
}

function zoneOrThrow(timeZone: string): string {
  if (!isTimeZone(timeZone)) throw new RangeError(`unknown time zone: ${String(timeZone)}`);
  return timeZone;
}

function inside(instant: number, spec: WindowSpec, zone: string): boolean {
  return insideWall(wallTimeMs(instant, zone), spec);
}

function insideWall(wall: number, spec: WindowSpec): boolean {
  const day = wallDayStart(wall);
  const timeOfDay = wall - day;
  const weekday = isoWeekday(day);
  if (!spec.overnight) return spec.days.has(weekday) && timeOfDay >= spec.from && timeOfDay < spec.to;
  const previous = weekday === 1 ? 7 : weekday - 1;
  return (timeOfDay >= spec.from && spec.days.has(weekday)) || (timeOfDay < spec.to && spec.days.has(previous));
}

/** Instants (with their wall times) on local day `day` (a wall time at midnight) at which the window may open. */
function openingsOn(day: number, spec: WindowSpec, zone: string, offsetAt: OffsetLookup): { instant: number; wall: number }[] {
  const out: { instant: number; wall: number }[] = [];
  const atWall = (instant: number): { instant: number; wall: number } => ({ instant, wall: instant + offsetAt(instant) });
  if (spec.days.has(isoWeekday(day))) {
    const wall = day + spec.from;
    const opening = resolveWallTime(wall, zone, offsetAt);
    if (opening.kind === 'unique') out.push({ instant: opening.instant, wall });
    else if (opening.kind === 'repeated') out.push({ instant: opening.earlier, wall }, { instant: opening.later, wall });
    else out.push(atWall(opening.transition));
  }
  // The clock going back from past `to` to before it re-enters the window at the transition.
  const closing = resolveWallTime(day + spec.to, zone, offsetAt);
  if (closing.kind === 'repeated') out.push(atWall(offsetTransition(closing.earlier, closing.later, zone)));
  return out;
}

/** "HH:MM" → minutes after midnight; "24:00" only where `allowEndOfDay`. */
function minutesOf(value: unknown, allowEndOfDay: boolean): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (allowEndOfDay && value === '24:00') return 24 * 60;
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return m === null ? undefined : Number(m[1]) * 60 + Number(m[2]);
}
