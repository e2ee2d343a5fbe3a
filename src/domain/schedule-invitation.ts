/**
 * When an invitation is due: the campaign delay counted from the time the order reached its trigger
 * status, then pushed into the send window. Both are read on one clock: the recipient's zone (see
 * send-time-zone.ts), or the zone the window pins.
 */
import { nextSendTime, windowTimeZone, type SendWindow } from './send-window.ts';
import { DAY_MS, isTimeZone, resolveWallTime, wallTimeMs } from './wall-clock.ts';

export const MAX_DELAY_DAYS = 365;

/**
 * `notBefore` (normally now) keeps an order that is reported late, or imported, from being scheduled
 * in the past: it becomes due at the next opening of the window instead of looking overdue, and is
 * not mistaken for one the worker missed (missed_window is about our downtime, not the shop's).
 */
export function scheduledAt(triggerAt: Date, delayDays: number, window: SendWindow | undefined, timeZone: string, notBefore?: Date): Date {
  const zone = windowTimeZone(window, timeZone);
  const afterDelay = addCalendarDays(triggerAt, delayDays, zone);
  const earliest = notBefore !== undefined && notBefore.getTime() > afterDelay.getTime() ? notBefore : afterDelay;
  return window === undefined ? new Date(earliest.getTime()) : nextSendTime(earliest, window, zone);
}

/**
 * `days` calendar days later in `timeZone`, at the same local time: 7 days after Saturday 10:00 is the
 * next Saturday 10:00 even when a DST change in between makes that 167 or 169 hours. A local time that
 * does not exist on the target day (spring-forward gap) moves later by the gap's length; one that
 * exists twice (fall-back overlap) takes its first occurrence — Temporal's "compatible" choices.
 */
export function addCalendarDays(instant: Date, days: number, timeZone: string): Date {
  if (!Number.isInteger(days) || days < 0 || days > MAX_DELAY_DAYS) throw new RangeError(`delay must be 0-${MAX_DELAY_DAYS} whole days`);
  if (!isTimeZone(timeZone)) throw new RangeError(`unknown time zone: ${String(timeZone)}`);
  const start = instant.getTime();
  if (Number.isNaN(start)) throw new RangeError('invalid trigger date');
  // Zero days is the trigger instant itself, even inside an overlap where its wall time is ambiguous.
  if (days === 0) return new Date(start);
  const target = resolveWallTime(wallTimeMs(start, timeZone) + days * DAY_MS, timeZone);
  if (target.kind === 'unique') return new Date(target.instant);
  if (target.kind === 'repeated') return new Date(target.earlier);
  return new Date(target.shifted);
}
