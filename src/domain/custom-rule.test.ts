import { describe, expect, it } from 'vitest';
import { checkCustomRule, customRuleData, customRuleFields, evaluateCustomRule } from './custom-rule.ts';
import type { Order } from './order.ts';

const order: Order = {
  ref: 'A-1001',
  status: 'completed',
  statusChangedAt: new Date('2026-07-01T10:00:00Z'),
  placedAt: new Date('2026-06-28T08:30:00Z'),
  store: { id: 1, code: 'de', timezone: 'Europe/Berlin' },
  customer: { email: 'Jane@Example.COM', firstName: 'Jane', lastName: 'Doe', group: 'wholesale', locale: 'de-DE', country: 'DE', ordersCount: 3, totalSpent: 250 },
  currency: 'EUR',
  total: 89.9,
  items: [
    { sku: 'TEE-1', name: 'T-Shirt', quantity: 2, price: 20 },
    { sku: 'GIFT-50', name: 'Gift card 50', quantity: 1, price: 49.9, gtin: '4006381333931' },
  ],
};
const data = customRuleData(order);
const matches = (rule: unknown): boolean => evaluateCustomRule(rule, data).matched;

describe('customRuleData', () => {
  it('exposes the documented fields, with null for unknowns and no personal data', () => {
    expect(data).toEqual({
      order: {
        ref: 'A-1001', status: 'completed', total: 89.9, currency: 'EUR', country: 'DE', locale: 'de-DE', store: 'de',
        placedAt: '2026-06-28T08:30:00.000Z', itemCount: 2, quantity: 3,
        items: [
          { sku: 'TEE-1', name: 'T-Shirt', quantity: 2, price: 20, gtin: null },
          { sku: 'GIFT-50', name: 'Gift card 50', quantity: 1, price: 49.9, gtin: '4006381333931' },
        ],
      },
      customer: { group: 'wholesale', country: 'DE', locale: 'de-DE', ordersCount: 3, totalSpent: 250, emailDomain: 'example.com' },
    });
    expect(JSON.stringify(data)).not.toMatch(/jane/i);
  });

  it('keeps its field list in step with the documented data', () => {
    expect(Object.keys(data.order).sort()).toEqual([...customRuleFields.order].sort());
    expect(Object.keys(data.customer).sort()).toEqual([...customRuleFields.customer].sort());
  });

  it('a bare customer yields nulls', () => {
    const bare = customRuleData({ ...order, customer: { firstName: 'J', lastName: '' } });
    expect(bare.customer).toEqual({ group: null, country: null, locale: null, ordersCount: null, totalSpent: null, emailDomain: null });
  });
});

describe('evaluateCustomRule', () => {
  it('true and false on order fields', () => {
    expect(matches({ '>=': [{ var: 'order.total' }, 50] })).toBe(true);
    expect(matches({ '>=': [{ var: 'order.total' }, 100] })).toBe(false);
    expect(matches({ '==': [{ var: 'order.currency' }, 'EUR'] })).toBe(true);
    expect(matches({ in: [{ var: 'order.country' }, ['DE', 'AT', 'CH']] })).toBe(true);
    expect(matches({ '!': { in: [{ var: 'order.store' }, ['us', 'uk']] } })).toBe(true);
  });

  it('on customer fields: repeat buyers, B2B domains', () => {
    expect(matches({ '>': [{ var: 'customer.ordersCount' }, 1] })).toBe(true);
    expect(matches({ '!=': [{ var: 'customer.emailDomain' }, 'example.com'] })).toBe(false);
    expect(matches({ '==': [{ var: 'customer.group' }, 'retail'] })).toBe(false);
  });

  it('over items: some / none / all, and reduce', () => {
    expect(matches({ some: [{ var: 'order.items' }, { in: ['GIFT', { var: 'sku' }] }] })).toBe(true);
    expect(matches({ none: [{ var: 'order.items' }, { in: ['GIFT', { var: 'sku' }] }] })).toBe(false);
    expect(matches({ all: [{ var: 'order.items' }, { '>': [{ var: 'price' }, 10] }] })).toBe(true);
    const units = { reduce: [{ var: 'order.items' }, { '+': [{ var: 'current.quantity' }, { var: 'accumulator' }] }, 0] };
    expect(matches({ '==': [units, 3] })).toBe(true);
  });

  it('truthiness follows JSON Logic: an empty list does not match', () => {
    expect(matches({ filter: [{ var: 'order.items' }, { '>': [{ var: 'price' }, 1000] }] })).toBe(false);
    expect(matches({ filter: [{ var: 'order.items' }, { '>': [{ var: 'price' }, 1] }] })).toBe(true);
  });

  it('a malformed rule matches nothing and says why', () => {
    expect(evaluateCustomRule({ foo: [1, 2] }, data)).toEqual({ matched: false, error: expect.stringContaining('unknown operator "foo"') });
    expect(evaluateCustomRule('true', data)).toMatchObject({ matched: false });
  });
});

describe('checkCustomRule', () => {
  const rejects = (rule: unknown, message: RegExp | string): void => {
    const check = checkCustomRule(rule);
    expect(check.ok, JSON.stringify(rule)).toBe(false);
    if (!check.ok) expect(check.message).toMatch(message);
  };

  it('accepts well-formed rules', () => {
    expect(checkCustomRule({ and: [{ '>=': [{ var: 'order.total' }, 20] }, { '==': [{ var: ['customer.group', 'none'] }, 'none'] }] })).toMatchObject({ ok: true });
    expect(checkCustomRule({ missing: ['order.country', 'customer.group'] })).toMatchObject({ ok: true });
    expect(checkCustomRule({ if: [{ var: 'order.total' }, true, false] })).toMatchObject({ ok: true });
    expect(checkCustomRule({ some: [{ var: 'order.items' }, { '==': [{ var: 0 }, 'x'] }] })).toMatchObject({ ok: true });
  });

  it('rejects what is not an operation', () => {
    rejects(true, /JSON Logic operation/);
    rejects('{"==":[1,1]}', /JSON Logic operation/);
    rejects([{ '==': [1, 1] }], /JSON Logic operation/);
    rejects(null, /JSON Logic operation/);
    rejects({}, /exactly one operator/);
    rejects({ '==': [1, 1], '!=': [1, 2] }, /exactly one operator/);
  });

  it('rejects unknown and side-effecting operators', () => {
    rejects({ eval: 'process.exit()' }, /unknown operator "eval"/);
    rejects({ log: 'x' }, /unknown operator "log"/);
    rejects({ method: [{ var: 'order.ref' }, 'toUpperCase'] }, /unknown operator "method"/);
    rejects({ and: [{ '==': [1, 1] }, { 'hasOwnProperty.call': [] }] }, /unknown operator/);
  });

  it('rejects paths outside the documented data, typos and prototype walks', () => {
    rejects({ var: 'order.totl' }, /not a field/);
    rejects({ var: 'tenant.secret' }, /must start with "order\." or "customer\."/);
    rejects({ var: 'order.items.constructor' }, /not a valid data path/);
    rejects({ var: '__proto__' }, /not a valid data path/);
    rejects({ some: [{ var: 'order.items' }, { var: 'sku.toString' }] }, /not a valid data path/);
    rejects({ var: { cat: ['order.', 'total'] } }, /literal string/);
    rejects({ var: '' }, /name a field/);
    rejects({ var: 0 }, /number path/);
    rejects({ reduce: [{ var: 'order.items' }, { var: 'order.total' }, 0] }, /"current\." or "accumulator\."/);
    rejects({ missing: ['order.nope'] }, /not a field/);
  });

  it('rejects wrong arities of the scoped operators', () => {
    rejects({ some: [{ var: 'order.items' }] }, /takes \[array, rule\]/);
    rejects({ reduce: [{ var: 'order.items' }] }, /takes \[array, rule, initial\?\]/);
    rejects({ var: ['order.total', 0, 1] }, /path and an optional default/);
    rejects({ missing_some: [1] }, /\[count, \[paths\]\]/);
  });

  it('rejects rules too large, too deep, or not JSON', () => {
    let deep: unknown = { var: 'order.total' };
    for (let i = 0; i < 40; i++) deep = { '!': [deep] };
    rejects(deep, /nested too deeply/);
    rejects({ in: [{ var: 'order.status' }, Array.from({ length: 600 }, (_, i) => `s${i}`)] }, /too large/);
    rejects({ '==': [{ var: 'order.total' }, Number.NaN] }, /finite/);
    rejects({ '==': [{ var: 'order.placedAt' }, new Date()] }, /not JSON/);
    rejects({ '==': [{ var: 'order.ref' }, 'x'.repeat(1001)] }, /at most 1000 characters/);
  });
});
