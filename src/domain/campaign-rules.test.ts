import { describe, expect, it } from 'vitest';
import { defaultCampaignRules, validateCampaignRules } from './campaign-rules.ts';

const fieldsOf = (input: unknown): string[] => {
  const check = validateCampaignRules(input);
  return check.ok ? [] : check.fields.map((f) => f.field);
};
const messageOf = (input: unknown, field: string): string => {
  const check = validateCampaignRules(input);
  return check.ok ? '' : check.fields.filter((f) => f.field === field).map((f) => f.message).join(' | ');
};

describe('validateCampaignRules: what is accepted', () => {
  it('an empty input is the default campaign: trigger completed, 7 days, enabled', () => {
    expect(validateCampaignRules({})).toEqual({ ok: true, value: defaultCampaignRules });
    expect(defaultCampaignRules).toEqual({ enabled: true, triggerStatuses: ['completed'], delayDays: 7, criteria: {} });
  });

  it('a full campaign, normalized (trimmed, de-duplicated)', () => {
    const check = validateCampaignRules({
      name: 'ignored: not a rule',
      enabled: false,
      triggerStatuses: [' completed ', 'shipped', 'completed'],
      delayDays: 0,
      sendWindow: { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00', timezone: 'Europe/Berlin' },
      frequencyCapDays: 30,
      sendLateDays: 3,
      cancelStatuses: { cancelled: 'order_cancelled', chargeback: 'order_refunded' },
      criteria: {
        stores: { include: ['de', 'at'] },
        customerGroups: { exclude: ['Employees'] },
        excludedStatuses: ['on-hold'],
        maxOrderAgeDays: 60,
        minTotal: 0,
        excludeZeroTotal: true,
        excludedSkus: ['GIFT-50', ' GIFT-50 '],
        excludedProductNames: ['gift card'],
        customRule: { '>=': [{ var: 'order.total' }, 10] },
      },
    });
    expect(check).toEqual({
      ok: true,
      value: {
        enabled: false,
        triggerStatuses: ['completed', 'shipped'],
        delayDays: 0,
        sendWindow: { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00', timezone: 'Europe/Berlin' },
        frequencyCapDays: 30,
        sendLateDays: 3,
        cancelStatuses: { cancelled: 'order_cancelled', chargeback: 'order_refunded' },
        criteria: {
          stores: { include: ['de', 'at'] },
          customerGroups: { exclude: ['Employees'] },
          excludedStatuses: ['on-hold'],
          maxOrderAgeDays: 60,
          minTotal: 0,
          excludeZeroTotal: true,
          excludedSkus: ['GIFT-50'],
          excludedProductNames: ['gift card'],
          customRule: { '>=': [{ var: 'order.total' }, 10] },
        },
      },
    });
  });

  it('null means absent (PATCH clears an optional rule)', () => {
    expect(validateCampaignRules({ sendWindow: null, frequencyCapDays: null, sendLateDays: null, cancelStatuses: null, criteria: null })).toEqual({ ok: true, value: defaultCampaignRules });
  });

  it('accepts the delay bounds 0 and 365, and an overnight window', () => {
    expect(validateCampaignRules({ delayDays: 0 }).ok).toBe(true);
    expect(validateCampaignRules({ delayDays: 365 }).ok).toBe(true);
    expect(validateCampaignRules({ sendWindow: { days: [5], from: '20:00', to: '02:00' } }).ok).toBe(true);
  });
});

describe('validateCampaignRules: what is refused, by field', () => {
  it('absurd delays', () => {
    for (const delayDays of [-1, 366, 1000, 1.5, '7', Number.NaN, true]) expect(fieldsOf({ delayDays }), String(delayDays)).toEqual(['delayDays']);
  });

  it('trigger statuses: none, blank, not a list, too many', () => {
    expect(fieldsOf({ triggerStatuses: [] })).toEqual(['triggerStatuses']);
    expect(fieldsOf({ triggerStatuses: 'completed' })).toEqual(['triggerStatuses']);
    expect(fieldsOf({ triggerStatuses: ['completed', '  '] })).toEqual(['triggerStatuses[1]']);
    expect(fieldsOf({ triggerStatuses: ['completed', 7] })).toEqual(['triggerStatuses[1]']);
    expect(fieldsOf({ triggerStatuses: ['a\nb'] })).toEqual(['triggerStatuses[0]']);
    expect(fieldsOf({ triggerStatuses: Array.from({ length: 21 }, (_, i) => `s${i}`) })).toEqual(['triggerStatuses']);
  });

  it('a trigger status that ends the order, by default or by the campaign map', () => {
    expect(messageOf({ triggerStatuses: ['completed', 'Refunded'] }, 'triggerStatuses')).toMatch(/"Refunded" ends the order \(order_refunded\)/);
    expect(fieldsOf({ triggerStatuses: ['trash'], cancelStatuses: { trash: 'order_cancelled' } })).toEqual(['triggerStatuses']);
    // Replacing the map frees "failed" to be a trigger.
    expect(validateCampaignRules({ triggerStatuses: ['failed'], cancelStatuses: { cancelled: 'order_cancelled' } }).ok).toBe(true);
  });

  it('a trigger status that the criteria exclude', () => {
    expect(messageOf({ triggerStatuses: ['completed'], criteria: { excludedStatuses: ['COMPLETED'] } }, 'criteria.excludedStatuses')).toMatch(/also a trigger status/);
  });

  it('send windows that never open, or are malformed', () => {
    expect(fieldsOf({ sendWindow: { days: [], from: '09:00', to: '17:00' } })).toEqual(['sendWindow.days']);
    expect(fieldsOf({ sendWindow: { days: [1], from: '09:00', to: '09:00' } })).toEqual(['sendWindow.to']);
    expect(fieldsOf({ sendWindow: { days: [8], from: '9am', to: '25:00' } })).toEqual(['sendWindow.days', 'sendWindow.from', 'sendWindow.to']);
    expect(fieldsOf({ sendWindow: 'weekdays' })).toEqual(['sendWindow']);
    expect(fieldsOf({ sendWindow: { days: [1], from: '09:00', to: '17:00', timezone: 'Europe/Atlantis' } })).toEqual(['sendWindow.timezone']);
  });

  it('frequency cap, catch-up limit, enabled', () => {
    for (const frequencyCapDays of [0, -5, 3651, 2.5, '30']) expect(fieldsOf({ frequencyCapDays }), String(frequencyCapDays)).toEqual(['frequencyCapDays']);
    for (const sendLateDays of [0, -1, 1.5, 'x']) expect(fieldsOf({ sendLateDays }), String(sendLateDays)).toEqual(['sendLateDays']);
    expect(fieldsOf({ enabled: 'yes' })).toEqual(['enabled']);
  });

  it('cancel status maps', () => {
    expect(fieldsOf({ cancelStatuses: ['cancelled'] })).toEqual(['cancelStatuses']);
    expect(fieldsOf({ cancelStatuses: { cancelled: 'order_gone' } })).toEqual(['cancelStatuses.cancelled']);
    expect(fieldsOf({ cancelStatuses: { ' ': 'order_cancelled' } })).toEqual(['cancelStatuses']);
    expect(fieldsOf({ cancelStatuses: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`s${i}`, 'order_failed'])) })).toEqual(['cancelStatuses']);
  });

  it('criteria: unknown keys, negative totals, ages, flags', () => {
    expect(fieldsOf({ criteria: { minTotl: 5 } })).toEqual(['criteria.minTotl']);
    expect(fieldsOf({ criteria: [] })).toEqual(['criteria']);
    expect(messageOf({ criteria: { minTotal: -0.01 } }, 'criteria.minTotal')).toBe('must not be negative');
    expect(fieldsOf({ criteria: { minTotal: '10' } })).toEqual(['criteria.minTotal']);
    expect(fieldsOf({ criteria: { minTotal: Number.POSITIVE_INFINITY } })).toEqual(['criteria.minTotal']);
    for (const maxOrderAgeDays of [0, -1, 3651, 1.5]) expect(fieldsOf({ criteria: { maxOrderAgeDays } })).toEqual(['criteria.maxOrderAgeDays']);
    expect(fieldsOf({ criteria: { excludeZeroTotal: 1 } })).toEqual(['criteria.excludeZeroTotal']);
  });

  it('criteria: store and group filters', () => {
    expect(messageOf({ criteria: { stores: { include: [] } } }, 'criteria.stores.include')).toMatch(/at least one/);
    expect(fieldsOf({ criteria: { stores: ['de'] } })).toEqual(['criteria.stores']);
    expect(fieldsOf({ criteria: { stores: { only: ['de'] } } })).toEqual(['criteria.stores.only']);
    expect(messageOf({ criteria: { stores: { include: ['de'], exclude: ['de'] } } }, 'criteria.stores')).toMatch(/"de" cannot be both/);
    // Store codes compare exactly, groups case-insensitively.
    expect(validateCampaignRules({ criteria: { stores: { include: ['DE'], exclude: ['de'] } } }).ok).toBe(true);
    expect(fieldsOf({ criteria: { customerGroups: { include: ['Wholesale'], exclude: ['wholesale'] } } })).toEqual(['criteria.customerGroups']);
  });

  it('criteria: product exclusions must be text', () => {
    expect(fieldsOf({ criteria: { excludedSkus: 'GIFT' } })).toEqual(['criteria.excludedSkus']);
    expect(fieldsOf({ criteria: { excludedProductNames: ['gift', ''] } })).toEqual(['criteria.excludedProductNames[1]']);
    expect(fieldsOf({ criteria: { excludedSkus: ['x'.repeat(201)] } })).toEqual(['criteria.excludedSkus[0]']);
  });

  it('criteria: a malformed custom rule names the field and the problem', () => {
    expect(messageOf({ criteria: { customRule: { eval: 'x' } } }, 'criteria.customRule')).toMatch(/unknown operator "eval"/);
    expect(messageOf({ criteria: { customRule: { var: 'order.totl' } } }, 'criteria.customRule')).toMatch(/not a field/);
    expect(fieldsOf({ criteria: { customRule: 'order.total > 5' } })).toEqual(['criteria.customRule']);
  });

  it('reports every offending field at once', () => {
    expect(fieldsOf({ delayDays: 400, triggerStatuses: [], sendWindow: { days: [], from: '09:00', to: '10:00' }, criteria: { minTotal: -1 } })).toEqual([
      'triggerStatuses',
      'delayDays',
      'sendWindow.days',
      'criteria.minTotal',
    ]);
  });

  it('refuses a non-object', () => {
    for (const input of [null, [], 'campaign', 7]) expect(validateCampaignRules(input).ok).toBe(false);
  });
});
