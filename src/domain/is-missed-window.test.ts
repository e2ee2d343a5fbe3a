import { describe, expect, it } from 'vitest';
import { isMissedWindow } from './is-missed-window.ts';

const DAY = 86_400_000;
const scheduled = new Date('2026-07-01T09:00:00Z');
const later = (ms: number): Date => new Date(scheduled.getTime() + ms);

describe('isMissedWindow', () => {
  it('sends late up to exactly N days', () => {
    expect(isMissedWindow(scheduled, later(0), 3)).toBe(false);
    expect(isMissedWindow(scheduled, later(3 * DAY), 3)).toBe(false);
  });

  it('misses the window past N days', () => {
    expect(isMissedWindow(scheduled, later(3 * DAY + 1), 3)).toBe(true);
    expect(isMissedWindow(scheduled, later(40 * DAY), 3)).toBe(true);
  });

  it('an invitation pushed early (scheduled in the future) is not late', () => {
    expect(isMissedWindow(scheduled, later(-10 * DAY), 1)).toBe(false);
  });

  it('without sendLateDays it always sends late', () => {
    expect(isMissedWindow(scheduled, later(365 * DAY), undefined)).toBe(false);
  });
});
