/**
 * Order dates as stores send them. An instant needs its offset ("2026-07-10T09:00:00+02:00", "...Z"):
 * a bare local time is a guess about the shop's clock, and a wrong guess moves the invitation by
 * hours. A store that defines its time zone resolves the guess: there a local date-time (or a date,
 * meaning its midnight) is read on the store's clock.
 */
import { resolveWallTime, utcMs } from '../domain/wall-clock.ts';

export type OrderDate = { kind: 'instant'; at: Date } | { kind: 'local'; wall: number };

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|z|[+-]\d{2}:?\d{2})?$/;

/** undefined: not a date we understand. */
export function parseOrderDate(text: string): OrderDate | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const wall = utcMs(year, month, day, hour, minute, second) + (frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000));
  // Date.UTC rolls 2026-02-31 over into March; a date that does not exist is a typo, not a date.
  if (new Date(wall).getUTCDate() !== day) return undefined;
  if (zone === undefined) return { kind: 'local', wall };
  if (h === undefined) return undefined; // "2026-07-10Z" is not ISO 8601
  if (zone === 'Z' || zone === 'z') return { kind: 'instant', at: new Date(wall) };
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  if (offsetMinutes > 18 * 60) return undefined;
  return { kind: 'instant', at: new Date(wall - sign * offsetMinutes * 60_000) };
}

/**
 * The instant of a parsed date; a local one only with a zone. A local time skipped by a DST jump
 * moves later by the jump, a repeated one takes its first occurrence (as the schedule does).
 */
export function resolveOrderDate(date: OrderDate, timeZone: string | null | undefined): Date | undefined {
  if (date.kind === 'instant') return date.at;
  if (timeZone === null || timeZone === undefined) return undefined;
  const r = resolveWallTime(date.wall, timeZone);
  return new Date(r.kind === 'unique' ? r.instant : r.kind === 'repeated' ? r.earlier : r.shifted);
}
