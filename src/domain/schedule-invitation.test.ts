import { describe, expect, it } from 'vitest';
import { addCalendarDays, scheduledAt } from './schedule-invitation.ts';
import type { SendWindow } from './send-window.ts';

const add = (iso: string, days: number, zone: string): string => addCalendarDays(new Date(iso), days, zone).toISOString();
const office: SendWindow = { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00' };

describe('addCalendarDays', () => {
  it('zero days is the trigger instant itself, even in a fall-back overlap', () => {
    expect(add('2026-10-25T01:30:00.500Z', 0, 'Europe/Berlin')).toBe('2026-10-25T01:30:00.500Z'); // 02:30 CET, the second one
  });

  it('keeps the local time across spring forward: 7 days are 167 hours (Europe/Berlin)', () => {
    expect(add('2026-03-22T09:00:00Z', 7, 'Europe/Berlin')).toBe('2026-03-29T08:00:00.000Z'); // 10:00 CET → 10:00 CEST
  });

  it('keeps the local time across fall back: 7 days are 169 hours (Europe/Berlin)', () => {
    expect(add('2026-10-18T08:00:00Z', 7, 'Europe/Berlin')).toBe('2026-10-25T09:00:00.000Z'); // 10:00 CEST → 10:00 CET
  });

  it('New York, Sydney, Kolkata and Chatham', () => {
    expect(add('2026-03-01T14:00:00Z', 7, 'America/New_York')).toBe('2026-03-08T13:00:00.000Z'); // 09:00 EST → 09:00 EDT
    expect(add('2026-10-25T13:00:00Z', 7, 'America/New_York')).toBe('2026-11-01T14:00:00.000Z'); // 09:00 EDT → 09:00 EST
    expect(add('2026-03-28T23:00:00Z', 7, 'Australia/Sydney')).toBe('2026-04-05T00:00:00.000Z'); // 10:00 AEDT → 10:00 AEST
    expect(add('2026-01-01T03:30:00Z', 365, 'Asia/Kolkata')).toBe('2027-01-01T03:30:00.000Z');
    expect(add('2026-09-20T21:15:00Z', 7, 'Pacific/Chatham')).toBe('2026-09-27T20:15:00.000Z'); // 10:00 +12:45 → 10:00 +13:45
  });

  it('a local time that does not exist on the target day moves later by the gap', () => {
    expect(add('2026-03-22T01:30:00Z', 7, 'Europe/Berlin')).toBe('2026-03-29T01:30:00.000Z'); // 02:30 CET → 03:30 CEST
  });

  it('a local time that exists twice on the target day takes the first', () => {
    expect(add('2026-10-18T00:30:00Z', 7, 'Europe/Berlin')).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST → 02:30 CEST
  });

  it('in UTC a day is 24 hours', () => {
    expect(add('2026-03-22T09:00:00Z', 7, 'UTC')).toBe('2026-03-29T09:00:00.000Z');
  });

  it('refuses absurd delays, unknown zones and invalid dates', () => {
    for (const days of [-1, 366, 1.5, Number.NaN]) expect(() => addCalendarDays(new Date(), days, 'UTC'), String(days)).toThrow(RangeError);
    expect(() => addCalendarDays(new Date(), 7, 'Mars/Olympus')).toThrow(RangeError);
    expect(() => addCalendarDays(new Date(Number.NaN), 7, 'UTC')).toThrow(RangeError);
  });
});

describe('scheduledAt', () => {
  it('without a window it is the trigger time plus the delay', () => {
    expect(scheduledAt(new Date('2026-03-22T09:00:00Z'), 7, undefined, 'Europe/Berlin').toISOString()).toBe('2026-03-29T08:00:00.000Z');
  });

  it('delay 0 inside the window sends at once', () => {
    expect(scheduledAt(new Date('2026-07-01T10:00:00Z'), 0, office, 'Europe/Berlin').toISOString()).toBe('2026-07-01T10:00:00.000Z');
  });

  it('delay 0 after Friday closing waits for Monday morning', () => {
    // Friday 17:00 CEST is the closing minute.
    expect(scheduledAt(new Date('2026-07-03T15:00:00Z'), 0, office, 'Europe/Berlin').toISOString()).toBe('2026-07-06T07:00:00.000Z');
  });

  it('7 days from a Saturday lands on a Saturday, then moves to Monday', () => {
    expect(scheduledAt(new Date('2026-07-04T10:00:00Z'), 7, office, 'Europe/Berlin').toISOString()).toBe('2026-07-13T07:00:00.000Z');
  });

  it('the delay crosses spring forward and the window opens in summer time', () => {
    // Saturday 2026-03-21 20:00 CET + 7 days = Saturday 28th 20:00 CET → Monday 30th 09:00 CEST.
    expect(scheduledAt(new Date('2026-03-21T19:00:00Z'), 7, office, 'Europe/Berlin').toISOString()).toBe('2026-03-30T07:00:00.000Z');
  });

  it('the customer zone decides the hour', () => {
    const trigger = new Date('2026-07-01T20:00:00Z');
    expect(scheduledAt(trigger, 1, office, 'America/New_York').toISOString()).toBe('2026-07-02T20:00:00.000Z'); // 16:00 EDT: inside
    expect(scheduledAt(trigger, 1, office, 'Asia/Kolkata').toISOString()).toBe('2026-07-03T03:30:00.000Z'); // 01:30 IST: next morning
  });

  it('notBefore moves a late-reported order to now, then into the window', () => {
    const trigger = new Date('2026-06-01T10:00:00Z');
    const now = new Date('2026-07-04T10:00:00Z'); // a Saturday
    expect(scheduledAt(trigger, 7, undefined, 'UTC', now).toISOString()).toBe('2026-07-04T10:00:00.000Z');
    expect(scheduledAt(trigger, 7, office, 'UTC', now).toISOString()).toBe('2026-07-06T09:00:00.000Z');
    // An earlier notBefore changes nothing.
    expect(scheduledAt(trigger, 7, undefined, 'UTC', new Date('2026-06-02T00:00:00Z')).toISOString()).toBe('2026-06-08T10:00:00.000Z');
  });
});

describe('a window pinned to a zone', () => {
  it('is read on its own clock, whatever the recipient zone', () => {
    const pinned: SendWindow = { ...office, timezone: 'Europe/Berlin' };
    const trigger = new Date('2026-07-01T20:00:00Z');
    expect(scheduledAt(trigger, 1, pinned, 'Asia/Kolkata').toISOString()).toBe('2026-07-03T07:00:00.000Z'); // Friday 09:00 CEST
    expect(scheduledAt(trigger, 1, pinned, 'America/New_York').toISOString()).toBe('2026-07-03T07:00:00.000Z');
  });
});
