import { describe, expect, it } from 'vitest';
import { sendTimeZone } from './send-time-zone.ts';

describe('sendTimeZone', () => {
  it("prefers the customer's zone, then the store's, then the tenant's", () => {
    expect(sendTimeZone({ customer: 'Asia/Kolkata', store: 'Europe/Berlin', tenant: 'America/New_York' })).toBe('Asia/Kolkata');
    expect(sendTimeZone({ store: 'Europe/Berlin', tenant: 'America/New_York' })).toBe('Europe/Berlin');
    expect(sendTimeZone({ customer: null, store: null, tenant: 'America/New_York' })).toBe('America/New_York');
  });

  it('passes over unknown zones instead of throwing, and falls back to UTC', () => {
    expect(sendTimeZone({ customer: 'Mars/Olympus', store: '', tenant: 'Europe/Berlin' })).toBe('Europe/Berlin');
    expect(sendTimeZone({ customer: '+02:00', tenant: 'nonsense' })).toBe('UTC');
    expect(sendTimeZone({})).toBe('UTC');
  });
});
