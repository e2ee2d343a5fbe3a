import { describe, expect, it } from 'vitest';
import { isTimeZone, isoWeekday, offsetTransition, resolveWallTime, utcMs, wallTimeMs, zoneOffsetMs } from './wall-clock.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const HOUR = 3_600_000;

describe('isTimeZone', () => {
  it('accepts IANA names and aliases, in any case', () => {
    for (const zone of ['UTC', 'utc', 'Europe/Berlin', 'america/new_york', 'Asia/Kolkata', 'Asia/Calcutta', 'Pacific/Chatham', 'Etc/GMT+5']) {
      expect(isTimeZone(zone), zone).toBe(true);
    }
  });

  it('refuses anything else without throwing', () => {
    for (const zone of ['', 'Mars/Olympus', '+01:00', 'GMT+1:00x', 'x'.repeat(65), 42, null, undefined, {}]) {
      expect(isTimeZone(zone), String(zone)).toBe(false);
    }
  });
});

describe('wallTimeMs', () => {
  it('reads the local clock, keeping milliseconds', () => {
    expect(iso(wallTimeMs(at('2026-06-01T00:00:00.123Z'), 'Asia/Kolkata'))).toBe('2026-06-01T05:30:00.123Z');
    expect(iso(wallTimeMs(at('2026-06-01T00:00:00Z'), 'Pacific/Chatham'))).toBe('2026-06-01T12:45:00.000Z');
    expect(iso(wallTimeMs(at('2026-01-15T12:00:00Z'), 'America/New_York'))).toBe('2026-01-15T07:00:00.000Z');
  });

  it('sees both sides of a DST change', () => {
    expect(zoneOffsetMs(at('2026-03-29T00:59:59Z'), 'Europe/Berlin')).toBe(1 * HOUR);
    expect(zoneOffsetMs(at('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toBe(2 * HOUR);
    expect(zoneOffsetMs(at('2026-10-25T00:59:59Z'), 'Europe/Berlin')).toBe(2 * HOUR);
    expect(zoneOffsetMs(at('2026-10-25T01:00:00Z'), 'Europe/Berlin')).toBe(1 * HOUR);
  });

  it('handles years before 100 and before the common era', () => {
    const early = new Date(0);
    early.setUTCFullYear(42, 5, 1);
    expect(wallTimeMs(early.getTime(), 'UTC')).toBe(early.getTime());
    expect(wallTimeMs(-70_000_000_000_000, 'UTC')).toBe(-70_000_000_000_000);
  });

  it('throws on an unknown zone or an invalid instant', () => {
    expect(() => wallTimeMs(0, 'Mars/Olympus')).toThrow(RangeError);
    expect(() => wallTimeMs(Number.NaN, 'UTC')).toThrow(RangeError);
  });
});

describe('utcMs and isoWeekday', () => {
  it('keeps years 0-99 literal and numbers weekdays the ISO way', () => {
    expect(new Date(utcMs(99, 12, 31)).getUTCFullYear()).toBe(99);
    expect(isoWeekday(utcMs(2026, 3, 29))).toBe(7); // a Sunday
    expect(isoWeekday(utcMs(2026, 3, 30))).toBe(1); // a Monday
  });
});

describe('resolveWallTime', () => {
  it('maps an ordinary local time to one instant', () => {
    expect(resolveWallTime(utcMs(2026, 7, 1, 9, 0), 'Europe/Berlin')).toEqual({ kind: 'unique', instant: at('2026-07-01T07:00:00Z') });
    expect(resolveWallTime(utcMs(2026, 7, 1, 9, 0), 'Asia/Kolkata')).toEqual({ kind: 'unique', instant: at('2026-07-01T03:30:00Z') });
  });

  it('finds the jump of a spring-forward gap (Europe/Berlin 2026-03-29 02:00-03:00)', () => {
    expect(resolveWallTime(utcMs(2026, 3, 29, 2, 30), 'Europe/Berlin')).toEqual({
      kind: 'skipped',
      transition: at('2026-03-29T01:00:00Z'),
      shifted: at('2026-03-29T01:30:00Z'),
    });
  });

  it('finds both occurrences in a fall-back overlap (Europe/Berlin 2026-10-25 02:00-03:00)', () => {
    expect(resolveWallTime(utcMs(2026, 10, 25, 2, 30), 'Europe/Berlin')).toEqual({
      kind: 'repeated',
      earlier: at('2026-10-25T00:30:00Z'),
      later: at('2026-10-25T01:30:00Z'),
    });
  });

  it('handles New York, Sydney and the 45-minute zone of Chatham', () => {
    expect(resolveWallTime(utcMs(2026, 3, 8, 2, 30), 'America/New_York')).toMatchObject({ kind: 'skipped', transition: at('2026-03-08T07:00:00Z') });
    expect(resolveWallTime(utcMs(2026, 11, 1, 1, 30), 'America/New_York')).toEqual({
      kind: 'repeated',
      earlier: at('2026-11-01T05:30:00Z'),
      later: at('2026-11-01T06:30:00Z'),
    });
    expect(resolveWallTime(utcMs(2026, 4, 5, 2, 30), 'Australia/Sydney')).toEqual({
      kind: 'repeated',
      earlier: at('2026-04-04T15:30:00Z'),
      later: at('2026-04-04T16:30:00Z'),
    });
    // Chatham moves from +12:45 to +13:45 at 02:45 local on 2026-09-27.
    expect(resolveWallTime(utcMs(2026, 9, 27, 3, 0), 'Pacific/Chatham')).toEqual({
      kind: 'skipped',
      transition: at('2026-09-26T14:00:00Z'),
      shifted: at('2026-09-26T14:15:00Z'),
    });
  });

  it('gap edges: the first skipped minute is skipped, the end of the gap exists', () => {
    expect(resolveWallTime(utcMs(2026, 3, 29, 2, 0), 'Europe/Berlin').kind).toBe('skipped');
    expect(resolveWallTime(utcMs(2026, 3, 29, 3, 0), 'Europe/Berlin')).toEqual({ kind: 'unique', instant: at('2026-03-29T01:00:00Z') });
    expect(resolveWallTime(utcMs(2026, 3, 29, 1, 59), 'Europe/Berlin')).toEqual({ kind: 'unique', instant: at('2026-03-29T00:59:00Z') });
  });
});

describe('offsetTransition', () => {
  it('finds the exact second a zone changes offset', () => {
    expect(iso(offsetTransition(at('2026-10-24T12:00:00Z'), at('2026-10-25T12:00:00Z'), 'Europe/Berlin'))).toBe('2026-10-25T01:00:00.000Z');
    // Chatham leaves DST at 03:45 local (+13:45) on 2026-04-05.
    expect(iso(offsetTransition(at('2026-04-04T00:00:00Z'), at('2026-04-05T00:00:00Z'), 'Pacific/Chatham'))).toBe('2026-04-04T14:00:00.000Z');
  });
});
