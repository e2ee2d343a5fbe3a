import { describe, expect, it } from 'vitest';
import { isWithinFrequencyCap } from './frequency-cap.ts';

const DAY = 86_400_000;
const at = new Date('2026-07-01T12:00:00Z');
const ago = (ms: number): Date => new Date(at.getTime() - ms);

describe('isWithinFrequencyCap', () => {
  it('caps an invitation less than N days after the last one', () => {
    expect(isWithinFrequencyCap(ago(30 * DAY - 1), at, 30)).toBe(true);
    expect(isWithinFrequencyCap(ago(0), at, 30)).toBe(true);
  });

  it('allows exactly N days, and more', () => {
    expect(isWithinFrequencyCap(ago(30 * DAY), at, 30)).toBe(false);
    expect(isWithinFrequencyCap(ago(31 * DAY), at, 30)).toBe(false);
  });

  it('counts an invitation scheduled later than this one too', () => {
    expect(isWithinFrequencyCap(new Date(at.getTime() + 5 * DAY), at, 30)).toBe(true);
    expect(isWithinFrequencyCap(new Date(at.getTime() + 30 * DAY), at, 30)).toBe(false);
  });

  it('never caps without a cap or without a previous invitation', () => {
    expect(isWithinFrequencyCap(undefined, at, 30)).toBe(false);
    expect(isWithinFrequencyCap(ago(DAY), at, undefined)).toBe(false);
  });
});
