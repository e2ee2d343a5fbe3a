import { describe, expect, it } from 'vitest';
import { validateCampaignRules, type CampaignCriteria, type CampaignRules } from './campaign-rules.ts';
import { eligibilityCheckOrder, evaluateEligibility, recheckAtSendTime, type EligibilityContext } from './eligibility.ts';
import type { Order } from './order.ts';
import { reasonCodes, type ReasonCode } from './reason-codes.ts';

const DAY = 86_400_000;
const now = new Date('2026-07-10T12:00:00Z');

function order(patch: Partial<Order> = {}, customer: Partial<Order['customer']> = {}): Order {
  return {
    ref: 'A-1001',
    status: 'completed',
    statusChangedAt: new Date('2026-07-10T11:00:00Z'),
    placedAt: new Date('2026-07-05T09:00:00Z'),
    store: { id: 1, code: 'de', timezone: 'Europe/Berlin' },
    customer: { email: 'jane@example.com', emailNorm: 'jane@example.com', firstName: 'Jane', lastName: 'Doe', group: 'Retail', ...customer },
    currency: 'EUR',
    total: 59.9,
    items: [
      { sku: 'TEE-1', name: 'Organic T-Shirt', quantity: 2, price: 19.95 },
      { sku: 'MUG-2', name: 'Coffee mug', quantity: 1, price: 20 },
    ],
    ...patch,
  };
}

/** Campaigns go through validation, as they do when saved. */
function campaign(rules: Record<string, unknown> = {}): CampaignRules {
  const check = validateCampaignRules(rules);
  if (!check.ok) throw new Error(JSON.stringify(check.fields));
  return check.value;
}

const context = (patch: Partial<EligibilityContext> = {}): EligibilityContext => ({ now, suppressed: false, ...patch });
const reasonFor = (o: Order, c: CampaignRules, ctx: EligibilityContext = context()): ReasonCode | 'eligible' => {
  const result = evaluateEligibility(o, c, ctx);
  return result.eligible ? 'eligible' : result.reason;
};
const withCriteria = (criteria: CampaignCriteria, rules: Record<string, unknown> = {}): CampaignRules => campaign({ ...rules, criteria });

describe('evaluateEligibility: each check', () => {
  it('an ordinary completed order is eligible for the default campaign', () => {
    expect(evaluateEligibility(order(), campaign(), context())).toEqual({ eligible: true });
  });

  it('campaign_disabled', () => {
    expect(reasonFor(order(), campaign({ enabled: false }))).toBe('campaign_disabled');
  });

  it('order_cancelled / order_refunded / order_failed, with the status as detail', () => {
    expect(evaluateEligibility(order({ status: 'cancelled' }), campaign(), context())).toEqual({ eligible: false, reason: 'order_cancelled', detail: 'status "cancelled"' });
    expect(reasonFor(order({ status: 'Canceled' }), campaign())).toBe('order_cancelled');
    expect(reasonFor(order({ status: 'refunded' }), campaign())).toBe('order_refunded');
    expect(reasonFor(order({ status: 'failed' }), campaign())).toBe('order_failed');
    const custom = campaign({ cancelStatuses: { trash: 'order_cancelled' } });
    expect(reasonFor(order({ status: 'trash' }), custom)).toBe('order_cancelled');
  });

  it('not_trigger_status, including unknown statuses; several triggers allowed', () => {
    expect(reasonFor(order({ status: 'processing' }), campaign())).toBe('not_trigger_status');
    expect(reasonFor(order({ status: 'wc-some-plugin-status' }), campaign())).toBe('not_trigger_status');
    const multi = campaign({ triggerStatuses: ['shipped', 'delivered'] });
    expect(reasonFor(order({ status: 'Delivered' }), multi)).toBe('eligible');
    expect(reasonFor(order({ status: 'completed' }), multi)).toBe('not_trigger_status');
  });

  it('store_excluded by include and exclude lists of store codes', () => {
    expect(reasonFor(order(), withCriteria({ stores: { include: ['at', 'ch'] } }))).toBe('store_excluded');
    expect(reasonFor(order(), withCriteria({ stores: { include: ['de'] } }))).toBe('eligible');
    expect(reasonFor(order(), withCriteria({ stores: { exclude: ['de'] } }))).toBe('store_excluded');
    expect(reasonFor(order(), withCriteria({ stores: { exclude: ['DE'] } }))).toBe('eligible'); // codes compare exactly
  });

  it('customer_group_excluded, case-insensitively; no group fails an include list only', () => {
    expect(reasonFor(order(), withCriteria({ customerGroups: { exclude: ['retail'] } }))).toBe('customer_group_excluded');
    expect(reasonFor(order(), withCriteria({ customerGroups: { include: ['wholesale'] } }))).toBe('customer_group_excluded');
    expect(reasonFor(order(), withCriteria({ customerGroups: { include: ['RETAIL'] } }))).toBe('eligible');
    const guest = order({}, { group: undefined });
    expect(evaluateEligibility(guest, withCriteria({ customerGroups: { include: ['retail'] } }), context())).toEqual({
      eligible: false,
      reason: 'customer_group_excluded',
      detail: 'no customer group is known',
    });
    expect(reasonFor(guest, withCriteria({ customerGroups: { exclude: ['retail'] } }))).toBe('eligible');
  });

  it('order_status_excluded (reachable when scheduling only with rules saved before validation refused them)', () => {
    // Validation refuses a trigger status that is also excluded; rules from older rows may still hold one.
    const unvalidated: CampaignRules = { ...campaign(), criteria: { excludedStatuses: ['completed'] } };
    expect(reasonFor(order(), unvalidated)).toBe('order_status_excluded');
  });

  it('order_too_old: more than maxOrderAgeDays after placedAt; exactly the limit is fine', () => {
    const c = withCriteria({ maxOrderAgeDays: 30 });
    expect(reasonFor(order({ placedAt: new Date(now.getTime() - 30 * DAY) }), c)).toBe('eligible');
    expect(reasonFor(order({ placedAt: new Date(now.getTime() - 30 * DAY - 1) }), c)).toBe('order_too_old');
  });

  it('zero_total only when the campaign excludes free orders', () => {
    expect(reasonFor(order({ total: 0 }), withCriteria({ excludeZeroTotal: true }))).toBe('zero_total');
    expect(reasonFor(order({ total: 0 }), withCriteria({ excludeZeroTotal: false }))).toBe('eligible');
    expect(reasonFor(order({ total: 0.01 }), withCriteria({ excludeZeroTotal: true }))).toBe('eligible');
  });

  it('below_min_total: the minimum itself passes', () => {
    expect(reasonFor(order({ total: 19.99 }), withCriteria({ minTotal: 20 }))).toBe('below_min_total');
    expect(reasonFor(order({ total: 20 }), withCriteria({ minTotal: 20 }))).toBe('eligible');
  });

  it('excluded_sku by SKU (whole, any case) and by product name (substring, any case)', () => {
    expect(evaluateEligibility(order(), withCriteria({ excludedSkus: ['mug-2'] }), context())).toEqual({ eligible: false, reason: 'excluded_sku', detail: 'sku "MUG-2"' });
    expect(reasonFor(order(), withCriteria({ excludedSkus: ['MUG'] }))).toBe('eligible');
    expect(reasonFor(order(), withCriteria({ excludedProductNames: ['T-SHIRT'] }))).toBe('excluded_sku');
    expect(reasonFor(order(), withCriteria({ excludedProductNames: ['hoodie'] }))).toBe('eligible');
    // Composed and decomposed accents match alike.
    const accented = order({ items: [{ sku: 'C1', name: 'Cre\u0301me fraîche', quantity: 1, price: 2 }] });
    expect(reasonFor(accented, withCriteria({ excludedProductNames: ['CRÉME'] }))).toBe('excluded_sku');
  });

  it('custom_condition: a rule that is true passes, false or malformed skips', () => {
    expect(reasonFor(order(), withCriteria({ customRule: { '>=': [{ var: 'order.total' }, 50] } }))).toBe('eligible');
    expect(reasonFor(order(), withCriteria({ customRule: { '>=': [{ var: 'order.total' }, 100] } }))).toBe('custom_condition');
    const malformed: CampaignRules = { ...campaign(), criteria: { customRule: { nope: [1] } } };
    const result = evaluateEligibility(order(), malformed, context());
    expect(result).toMatchObject({ eligible: false, reason: 'custom_condition', detail: expect.stringContaining('could not be evaluated') });
  });

  it('no_email when the order has no address, or a blank one', () => {
    expect(reasonFor(order({}, { email: undefined, emailNorm: undefined }), campaign())).toBe('no_email');
    expect(reasonFor(order({}, { email: '  ', emailNorm: undefined }), campaign())).toBe('no_email');
  });

  it('suppressed', () => {
    expect(reasonFor(order(), campaign(), context({ suppressed: true }))).toBe('suppressed');
  });

  it('frequency_cap, measured from the planned send time when given', () => {
    const c = campaign({ frequencyCapDays: 30 });
    expect(reasonFor(order(), c, context({ lastInvitedAt: new Date(now.getTime() - 29 * DAY) }))).toBe('frequency_cap');
    expect(reasonFor(order(), c, context({ lastInvitedAt: new Date(now.getTime() - 30 * DAY) }))).toBe('eligible');
    // Invited 25 days ago, this one goes out in 7 days: 32 days apart.
    const planned = new Date(now.getTime() + 7 * DAY);
    expect(reasonFor(order(), c, context({ lastInvitedAt: new Date(now.getTime() - 25 * DAY), plannedAt: planned }))).toBe('eligible');
    expect(reasonFor(order(), c, context({ lastInvitedAt: new Date(now.getTime() - 25 * DAY) }))).toBe('frequency_cap');
    // Another campaign's invitation pending for next week caps this one too.
    expect(reasonFor(order(), c, context({ lastInvitedAt: new Date(now.getTime() + 7 * DAY) }))).toBe('frequency_cap');
    // Without a cap nothing is capped.
    expect(reasonFor(order(), campaign(), context({ lastInvitedAt: now }))).toBe('eligible');
  });
});

describe('evaluateEligibility: the fixed check order', () => {
  it('lists only catalogue reason codes', () => {
    for (const code of eligibilityCheckOrder) expect(Object.hasOwn(reasonCodes, code), code).toBe(true);
  });

  it('reports the first failing check; removing causes one by one walks the documented order', () => {
    // Every cause at once; each step removes the cause of the reason just reported.
    let o = order({ status: 'refunded', store: { id: 2, code: 'us' }, placedAt: new Date(now.getTime() - 90 * DAY), total: 0 }, { group: 'staff', email: undefined, emailNorm: undefined });
    let rules: CampaignRules = {
      enabled: false,
      triggerStatuses: ['completed', 'refunded-later'],
      delayDays: 7,
      frequencyCapDays: 30,
      criteria: {
        stores: { include: ['de'] },
        customerGroups: { exclude: ['staff'] },
        excludedStatuses: ['refunded-later'],
        maxOrderAgeDays: 30,
        excludeZeroTotal: true,
        minTotal: 10,
        excludedSkus: ['TEE-1'],
        customRule: { '==': [{ var: 'order.currency' }, 'USD'] },
      },
    };
    let ctx = context({ suppressed: true, lastInvitedAt: now });
    const seen: ReasonCode[] = [];
    const fixes: Partial<Record<ReasonCode, () => void>> = {
      campaign_disabled: () => (rules = { ...rules, enabled: true }),
      order_refunded: () => (o = { ...o, status: 'processing' }),
      not_trigger_status: () => (o = { ...o, status: 'refunded-later' }),
      store_excluded: () => (o = { ...o, store: { id: 1, code: 'de' } }),
      customer_group_excluded: () => (o = { ...o, customer: { ...o.customer, group: 'Retail' } }),
      order_status_excluded: () => (rules = { ...rules, criteria: { ...rules.criteria, excludedStatuses: [] } }),
      order_too_old: () => (o = { ...o, placedAt: new Date(now.getTime() - DAY) }),
      zero_total: () => (o = { ...o, total: 5 }),
      below_min_total: () => (o = { ...o, total: 50 }),
      excluded_sku: () => (o = { ...o, items: o.items.filter((i) => i.sku !== 'TEE-1') }),
      custom_condition: () => (o = { ...o, currency: 'USD' }),
      no_email: () => (o = { ...o, customer: { ...o.customer, email: 'jane@example.com' } }),
      suppressed: () => (ctx = { ...ctx, suppressed: false }),
      frequency_cap: () => (ctx = { ...ctx, lastInvitedAt: undefined }),
    };
    for (let step = 0; step < 20; step++) {
      const result = evaluateEligibility(o, rules, ctx);
      if (result.eligible) break;
      seen.push(result.reason);
      fixes[result.reason]!();
    }
    expect(seen).toEqual(eligibilityCheckOrder.filter((c) => c !== 'order_cancelled' && c !== 'order_failed'));
    expect(evaluateEligibility(o, rules, ctx)).toEqual({ eligible: true });
  });
});

describe('status flips', () => {
  const c = campaign();

  it('completed → processing → completed is still eligible at the end, and at send time in between', () => {
    expect(reasonFor(order({ status: 'completed' }), c)).toBe('eligible');
    expect(reasonFor(order({ status: 'processing' }), c)).toBe('not_trigger_status');
    expect(recheckAtSendTime({ status: 'processing', campaign: c, now, suppressed: false })).toEqual({ eligible: true });
    expect(reasonFor(order({ status: 'completed' }), c)).toBe('eligible');
  });

  it('completed → refunded skips, when scheduling and at send time', () => {
    expect(reasonFor(order({ status: 'completed' }), c)).toBe('eligible');
    expect(reasonFor(order({ status: 'refunded' }), c)).toBe('order_refunded');
    expect(recheckAtSendTime({ status: 'refunded', campaign: c, now, suppressed: false })).toMatchObject({ eligible: false, reason: 'order_refunded' });
  });

  it('shipped → delivered keeps an invitation triggered at shipped', () => {
    const shipped = campaign({ triggerStatuses: ['shipped'] });
    expect(recheckAtSendTime({ status: 'delivered', campaign: shipped, now, suppressed: false })).toEqual({ eligible: true });
  });
});

describe('recheckAtSendTime', () => {
  const base = { status: 'completed', campaign: campaign({ frequencyCapDays: 30, sendLateDays: 2, criteria: { excludedStatuses: ['on-hold'] } }), now, suppressed: false };
  const reason = (patch: Partial<Parameters<typeof recheckAtSendTime>[0]>): ReasonCode | 'eligible' => {
    const result = recheckAtSendTime({ ...base, ...patch });
    return result.eligible ? 'eligible' : result.reason;
  };

  it('each reason it can give, in its order', () => {
    expect(reason({})).toBe('eligible');
    expect(reason({ campaign: { ...base.campaign, enabled: false }, status: 'cancelled' })).toBe('campaign_disabled');
    expect(reason({ status: 'cancelled', suppressed: true })).toBe('order_cancelled');
    expect(reason({ status: 'failed' })).toBe('order_failed');
    expect(reason({ status: 'On-Hold', suppressed: true })).toBe('order_status_excluded');
    expect(reason({ suppressed: true, lastInvitedAt: now })).toBe('suppressed');
    expect(reason({ lastInvitedAt: new Date(now.getTime() - DAY), scheduledAt: new Date(now.getTime() - 10 * DAY) })).toBe('frequency_cap');
    expect(reason({ scheduledAt: new Date(now.getTime() - 10 * DAY) })).toBe('missed_window');
  });

  it('missed_window boundaries: exactly sendLateDays late still sends', () => {
    expect(reason({ scheduledAt: new Date(now.getTime() - 2 * DAY) })).toBe('eligible');
    expect(reason({ scheduledAt: new Date(now.getTime() - 2 * DAY - 1) })).toBe('missed_window');
    expect(recheckAtSendTime({ ...base, campaign: campaign(), scheduledAt: new Date(now.getTime() - 300 * DAY) })).toEqual({ eligible: true });
  });

  it('frequency cap boundaries at send time', () => {
    expect(reason({ lastInvitedAt: new Date(now.getTime() - 30 * DAY) })).toBe('eligible');
    expect(reason({ lastInvitedAt: new Date(now.getTime() - 30 * DAY + 1) })).toBe('frequency_cap');
  });

  it('an invitation without an order (invitations API) skips the status checks', () => {
    expect(reason({ status: undefined })).toBe('eligible');
    expect(reason({ status: undefined, suppressed: true })).toBe('suppressed');
  });
});
