import { describe, expect, it } from 'vitest';
import { checkSendWindow, isInSendWindow, nextSendTime, type IsoWeekday, type SendWindow } from './send-window.ts';

const next = (isoStart: string, window: SendWindow, zone: string): string => nextSendTime(new Date(isoStart), window, zone).toISOString();
const ALL: IsoWeekday[] = [1, 2, 3, 4, 5, 6, 7];
const WEEKDAYS: IsoWeekday[] = [1, 2, 3, 4, 5];

describe('checkSendWindow', () => {
  it('accepts a window, sorting and de-duplicating its days', () => {
    expect(checkSendWindow({ days: [5, 1, 1, 3], from: '09:00', to: '17:30' })).toEqual({ ok: true, value: { days: [1, 3, 5], from: '09:00', to: '17:30' } });
    expect(checkSendWindow({ days: [5], from: '20:00', to: '02:00', timezone: 'Europe/Berlin' })).toMatchObject({ ok: true });
    expect(checkSendWindow({ days: [6], from: '18:00', to: '24:00' })).toMatchObject({ ok: true });
    expect(checkSendWindow({ days: ALL, from: '00:00', to: '24:00' })).toMatchObject({ ok: true });
    expect(checkSendWindow({ days: [1], from: '09:00', to: '17:00', timezone: null })).toEqual({ ok: true, value: { days: [1], from: '09:00', to: '17:00' } });
  });

  it('rejects windows that never open, naming the field', () => {
    expect(checkSendWindow({ days: [], from: '09:00', to: '17:00' })).toEqual({ ok: false, fields: [expect.objectContaining({ field: 'days' })] });
    expect(checkSendWindow({ from: '09:00', to: '17:00' })).toEqual({ ok: false, fields: [expect.objectContaining({ field: 'days' })] });
    expect(checkSendWindow({ days: [1], from: '09:00', to: '09:00' })).toEqual({ ok: false, fields: [expect.objectContaining({ field: 'to' })] });
    expect(checkSendWindow({ days: [1], from: '00:00', to: '00:00' })).toEqual({ ok: false, fields: [expect.objectContaining({ field: 'to' })] });
  });

  it('rejects malformed days, hours, zones and keys', () => {
    for (const days of [[0], [8], [1.5], ['1'], 'weekdays']) {
      expect(checkSendWindow({ days, from: '09:00', to: '17:00' }), JSON.stringify(days)).toMatchObject({ ok: false, fields: [{ field: 'days' }] });
    }
    for (const from of ['9:00', '24:00', '12:60', '0900', 900, '', undefined]) {
      expect(checkSendWindow({ days: [1], from, to: '23:00' }), String(from)).toMatchObject({ ok: false, fields: [{ field: 'from' }] });
    }
    for (const to of ['24:01', '25:00', '7pm']) {
      expect(checkSendWindow({ days: [1], from: '09:00', to }), to).toMatchObject({ ok: false, fields: [{ field: 'to' }] });
    }
    expect(checkSendWindow({ days: [1], from: '09:00', to: '17:00', timezone: 'Mars/Olympus' })).toMatchObject({ ok: false, fields: [{ field: 'timezone' }] });
    expect(checkSendWindow({ days: [1], from: '09:00', to: '17:00', hours: 3 })).toMatchObject({ ok: false, fields: [{ field: 'hours' }] });
    expect(checkSendWindow(null)).toMatchObject({ ok: false });
    expect(checkSendWindow([1, 2])).toMatchObject({ ok: false });
  });

  it('reports every offending field at once', () => {
    const check = checkSendWindow({ days: [], from: 'x', to: 'y' });
    expect(check.ok ? [] : check.fields.map((f) => f.field)).toEqual(['days', 'from', 'to']);
  });
});

describe('nextSendTime in a fixed zone', () => {
  const office: SendWindow = { days: WEEKDAYS, from: '09:00', to: '17:00' };

  it('keeps an instant already inside, to the millisecond', () => {
    expect(next('2026-07-01T10:15:30.250Z', office, 'UTC')).toBe('2026-07-01T10:15:30.250Z');
    expect(next('2026-07-01T09:00:00Z', office, 'UTC')).toBe('2026-07-01T09:00:00.000Z');
  });

  it('waits for the opening the same day, and treats `to` as closed', () => {
    expect(next('2026-07-01T06:00:00Z', office, 'UTC')).toBe('2026-07-01T09:00:00.000Z');
    expect(next('2026-07-01T16:59:59.999Z', office, 'UTC')).toBe('2026-07-01T16:59:59.999Z');
    expect(next('2026-07-01T17:00:00Z', office, 'UTC')).toBe('2026-07-02T09:00:00.000Z');
  });

  it('skips the weekend: Friday evening and Saturday go to Monday morning', () => {
    expect(next('2026-07-03T17:30:00Z', office, 'UTC')).toBe('2026-07-06T09:00:00.000Z'); // Friday
    expect(next('2026-07-04T12:00:00Z', office, 'UTC')).toBe('2026-07-06T09:00:00.000Z'); // Saturday
    expect(next('2026-07-05T23:59:00Z', office, 'UTC')).toBe('2026-07-06T09:00:00.000Z'); // Sunday
  });

  it('a weekend-only window waits for Saturday', () => {
    expect(next('2026-07-01T12:00:00Z', { days: [6, 7], from: '10:00', to: '12:00' }, 'UTC')).toBe('2026-07-04T10:00:00.000Z');
    expect(next('2026-07-05T12:00:00Z', { days: [6, 7], from: '10:00', to: '12:00' }, 'UTC')).toBe('2026-07-11T10:00:00.000Z');
  });

  it('a single weekday a week later, when this week\'s is past', () => {
    expect(next('2026-07-01T12:00:01Z', { days: [3], from: '10:00', to: '12:00' }, 'UTC')).toBe('2026-07-08T10:00:00.000Z');
  });

  it('overnight windows belong to the day they open', () => {
    const fridayNight: SendWindow = { days: [5], from: '20:00', to: '02:00' };
    expect(next('2026-07-03T19:00:00Z', fridayNight, 'UTC')).toBe('2026-07-03T20:00:00.000Z');
    expect(next('2026-07-04T01:30:00Z', fridayNight, 'UTC')).toBe('2026-07-04T01:30:00.000Z'); // Saturday 01:30 is Friday's night
    expect(next('2026-07-04T02:00:00Z', fridayNight, 'UTC')).toBe('2026-07-10T20:00:00.000Z');
    // Saturday's window does not include the early hours of Saturday.
    expect(next('2026-07-04T01:30:00Z', { days: [6], from: '20:00', to: '02:00' }, 'UTC')).toBe('2026-07-04T20:00:00.000Z');
    // Sunday night runs into Monday (weekday wrap-around 7 → 1).
    expect(next('2026-07-06T01:00:00Z', { days: [7], from: '22:00', to: '06:00' }, 'UTC')).toBe('2026-07-06T01:00:00.000Z');
  });

  it('"24:00" closes at midnight', () => {
    expect(next('2026-07-01T23:59:00Z', { days: [3], from: '18:00', to: '24:00' }, 'UTC')).toBe('2026-07-01T23:59:00.000Z');
    expect(next('2026-07-02T00:00:00Z', { days: [3], from: '18:00', to: '24:00' }, 'UTC')).toBe('2026-07-08T18:00:00.000Z');
  });

  it('reads the clock of the zone: Asia/Kolkata +05:30, Pacific/Chatham +12:45', () => {
    expect(next('2026-06-01T00:00:00Z', office, 'Asia/Kolkata')).toBe('2026-06-01T03:30:00.000Z');
    expect(next('2026-06-01T12:00:00Z', office, 'Asia/Kolkata')).toBe('2026-06-02T03:30:00.000Z');
    // Monday 2026-06-01 00:00Z is 12:45 in Chatham: inside. 05:00Z is 17:45: next morning.
    expect(next('2026-06-01T00:00:00Z', office, 'Pacific/Chatham')).toBe('2026-06-01T00:00:00.000Z');
    expect(next('2026-06-01T05:00:00Z', office, 'Pacific/Chatham')).toBe('2026-06-01T20:15:00.000Z');
  });

  it('throws on an invalid window, zone or date instead of looping', () => {
    expect(() => nextSendTime(new Date(), { days: [], from: '09:00', to: '17:00' }, 'UTC')).toThrow(RangeError);
    expect(() => nextSendTime(new Date(), { days: [1], from: '09:00', to: '09:00' }, 'UTC')).toThrow(RangeError);
    expect(() => nextSendTime(new Date(), office, 'Mars/Olympus')).toThrow(RangeError);
    expect(() => nextSendTime(new Date(Number.NaN), office, 'UTC')).toThrow(RangeError);
  });
});

describe('nextSendTime across DST changes', () => {
  const daily = (from: string, to: string): SendWindow => ({ days: ALL, from, to });

  it('Europe/Berlin spring forward (2026-03-29): the morning opens at the summer-time instant', () => {
    expect(next('2026-03-28T12:00:00Z', daily('09:00', '17:00'), 'Europe/Berlin')).toBe('2026-03-28T12:00:00.000Z');
    expect(next('2026-03-28T17:00:00Z', daily('09:00', '17:00'), 'Europe/Berlin')).toBe('2026-03-29T07:00:00.000Z');
  });

  it('Europe/Berlin spring forward: a window opening inside the gap opens at the jump', () => {
    expect(next('2026-03-28T12:00:00Z', daily('02:30', '04:00'), 'Europe/Berlin')).toBe('2026-03-29T01:00:00.000Z');
  });

  it('Europe/Berlin spring forward: a window wholly inside the gap does not exist that day', () => {
    expect(next('2026-03-28T23:00:00Z', daily('02:15', '02:45'), 'Europe/Berlin')).toBe('2026-03-30T00:15:00.000Z');
  });

  it('Europe/Berlin fall back (2026-10-25): opening after the change uses winter time', () => {
    expect(next('2026-10-24T18:00:00Z', daily('09:00', '17:00'), 'Europe/Berlin')).toBe('2026-10-25T08:00:00.000Z');
  });

  it('Europe/Berlin fall back: a window opening in the repeated hour opens at its first occurrence', () => {
    expect(next('2026-10-25T00:00:00Z', daily('02:10', '02:40'), 'Europe/Berlin')).toBe('2026-10-25T00:10:00.000Z');
  });

  it('Europe/Berlin fall back: the repeated hour re-opens the window when the clock goes back', () => {
    // 02:45 CEST is past a 02:10-02:40 window; the clock then reads 02:10 again, in CET.
    expect(next('2026-10-25T00:45:00Z', daily('02:10', '02:40'), 'Europe/Berlin')).toBe('2026-10-25T01:10:00.000Z');
    // 01:00-02:30 on that Sunday: past 02:30 CEST, the clock going back to 02:00 CET is inside again.
    expect(next('2026-10-25T00:45:00Z', { days: [7], from: '01:00', to: '02:30' }, 'Europe/Berlin')).toBe('2026-10-25T01:00:00.000Z');
    expect(next('2026-10-25T01:30:00Z', { days: [7], from: '01:00', to: '02:30' }, 'Europe/Berlin')).toBe('2026-11-01T00:00:00.000Z');
  });

  it('America/New_York: spring gap, fall overlap and an overnight window across it', () => {
    // 02:00-03:00 is exactly the gap on 2026-03-08: no window that day.
    expect(next('2026-03-07T12:00:00Z', daily('02:00', '03:00'), 'America/New_York')).toBe('2026-03-09T06:00:00.000Z');
    expect(next('2026-03-08T05:00:00Z', daily('08:00', '20:00'), 'America/New_York')).toBe('2026-03-08T12:00:00.000Z');
    expect(next('2026-11-01T05:00:00Z', daily('08:00', '20:00'), 'America/New_York')).toBe('2026-11-01T13:00:00.000Z');
    const saturdayNight: SendWindow = { days: [6], from: '20:00', to: '02:00' };
    expect(next('2026-11-01T05:30:00Z', saturdayNight, 'America/New_York')).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
    expect(next('2026-11-01T06:30:00Z', saturdayNight, 'America/New_York')).toBe('2026-11-01T06:30:00.000Z'); // 01:30 EST
    expect(next('2026-11-01T07:00:00Z', saturdayNight, 'America/New_York')).toBe('2026-11-08T01:00:00.000Z'); // 02:00 EST
  });

  it('Australia/Sydney: the weekday window around both changes', () => {
    const office: SendWindow = { days: WEEKDAYS, from: '09:00', to: '17:00' };
    expect(next('2026-04-03T07:00:00Z', office, 'Australia/Sydney')).toBe('2026-04-05T23:00:00.000Z'); // Fri 18:00 AEDT → Mon 09:00 AEST
    expect(next('2026-10-02T07:00:00Z', office, 'Australia/Sydney')).toBe('2026-10-04T22:00:00.000Z'); // Fri 17:00 AEST → Mon 09:00 AEDT
  });

  it('Pacific/Chatham: a window opening inside its 02:45-03:45 gap', () => {
    expect(next('2026-09-26T00:00:00Z', daily('03:00', '05:00'), 'Pacific/Chatham')).toBe('2026-09-26T14:00:00.000Z');
    expect(next('2026-09-26T00:00:00Z', daily('09:00', '10:00'), 'Pacific/Chatham')).toBe('2026-09-26T19:15:00.000Z');
  });
});

describe('nextSendTime agrees with a minute-by-minute reading of the clock', () => {
  // An independent oracle: Intl with its own weekday, no shared code with the implementation.
  const weekdayNumber: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
  const formatters = new Map<string, Intl.DateTimeFormat>();
  function clock(instant: number, zone: string): { weekday: number; minutes: number } {
    let f = formatters.get(zone);
    if (!f) formatters.set(zone, (f = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' })));
    const parts = Object.fromEntries(f.formatToParts(instant).map((p) => [p.type, p.value]));
    return { weekday: weekdayNumber[parts.weekday!]!, minutes: (Number(parts.hour) % 24) * 60 + Number(parts.minute) };
  }
  function minutes(hhmm: string): number {
    return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  }
  function insideByClock(instant: number, w: SendWindow, zone: string): boolean {
    const { weekday, minutes: m } = clock(instant, zone);
    const from = minutes(w.from);
    const to = minutes(w.to);
    const days = new Set<number>(w.days);
    if (from < to) return days.has(weekday) && m >= from && m < to;
    return (m >= from && days.has(weekday)) || (m < to && days.has(weekday === 1 ? 7 : weekday - 1));
  }
  // Every window edge and every transition below falls on a 5-minute boundary of UTC (the zones'
  // offsets are whole quarter hours), so reading the clock every 5 minutes cannot miss an opening.
  const STEP = 5 * 60_000;
  function oracle(start: number, w: SendWindow, zone: string): number {
    if (insideByClock(start, w, zone)) return start;
    let t = Math.ceil(start / STEP) * STEP;
    for (let i = 0; i < (15 * 24 * 3_600_000) / STEP; i++, t += STEP) if (insideByClock(t, w, zone)) return t;
    throw new Error('oracle found nothing');
  }

  const cases: { zone: string; around: string }[] = [
    { zone: 'Europe/Berlin', around: '2026-03-29T01:00:00Z' },
    { zone: 'Europe/Berlin', around: '2026-10-25T01:00:00Z' },
    { zone: 'America/New_York', around: '2026-03-08T07:00:00Z' },
    { zone: 'America/New_York', around: '2026-11-01T06:00:00Z' },
    { zone: 'Australia/Sydney', around: '2026-04-04T16:00:00Z' },
    { zone: 'Australia/Sydney', around: '2026-10-03T16:00:00Z' },
    { zone: 'Pacific/Chatham', around: '2026-09-26T14:00:00Z' },
    { zone: 'Pacific/Chatham', around: '2026-04-04T14:00:00Z' },
    { zone: 'Asia/Kolkata', around: '2026-03-29T01:00:00Z' },
  ];
  const windows: SendWindow[] = [
    { days: ALL, from: '01:30', to: '02:30' },
    { days: ALL, from: '02:10', to: '02:40' },
    { days: ALL, from: '03:00', to: '04:00' },
    { days: [6, 7], from: '00:00', to: '03:15' },
    { days: [5, 6], from: '20:00', to: '02:30' },
    { days: [7], from: '22:00', to: '03:00' },
    { days: [1], from: '23:00', to: '24:00' },
  ];

  it.each(cases)('$zone around $around', ({ zone, around }) => {
    const centre = Date.parse(around);
    for (const w of windows) {
      for (let offset = -26 * 3_600_000; offset <= 26 * 3_600_000; offset += 97 * 60_000 + 13_000) {
        const start = centre + offset;
        const got = nextSendTime(new Date(start), w, zone).getTime();
        const want = oracle(start, w, zone);
        if (got !== want) {
          throw new Error(`${zone} ${JSON.stringify(w)} from ${new Date(start).toISOString()}: got ${new Date(got).toISOString()}, want ${new Date(want).toISOString()}`);
        }
      }
    }
  });
});

describe('isInSendWindow', () => {
  it('tells whether an instant is inside, on the zone\'s clock', () => {
    const office: SendWindow = { days: WEEKDAYS, from: '09:00', to: '17:00' };
    expect(isInSendWindow(new Date('2026-07-01T07:30:00Z'), office, 'Europe/Berlin')).toBe(true); // 09:30 CEST
    expect(isInSendWindow(new Date('2026-07-01T07:30:00Z'), office, 'UTC')).toBe(false);
    expect(isInSendWindow(new Date('2026-07-04T10:00:00Z'), office, 'UTC')).toBe(false); // Saturday
  });
});

describe('a window pinned to a zone', () => {
  it('overrides the zone passed in', () => {
    const pinned: SendWindow = { days: WEEKDAYS, from: '09:00', to: '17:00', timezone: 'Asia/Kolkata' };
    expect(next('2026-06-01T00:00:00Z', pinned, 'America/New_York')).toBe('2026-06-01T03:30:00.000Z');
    expect(isInSendWindow(new Date('2026-06-01T04:00:00Z'), pinned, 'UTC')).toBe(true);
  });
});
