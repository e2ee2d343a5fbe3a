import { describe, expect, it } from 'vitest';
import { defaultCancelStatuses, isStatusIn, orderEndReason, statusKey } from './order.ts';
import { reasonCodes } from './reason-codes.ts';

describe('orderEndReason', () => {
  it('classifies the default statuses that end an order', () => {
    expect(orderEndReason('cancelled')).toBe('order_cancelled');
    expect(orderEndReason('canceled')).toBe('order_cancelled');
    expect(orderEndReason('voided')).toBe('order_cancelled');
    expect(orderEndReason('refunded')).toBe('order_refunded');
    expect(orderEndReason('failed')).toBe('order_failed');
  });

  it('compares trimmed and case-insensitively', () => {
    expect(orderEndReason('Cancelled')).toBe('order_cancelled');
    expect(orderEndReason('  REFUNDED ')).toBe('order_refunded');
  });

  it('keeps unknown statuses as ordinary ones and never throws', () => {
    for (const status of ['completed', 'processing', 'wc-on-hold', 'partially_refunded', '', '   ', 'constructor', '__proto__', 'toString', '🚚', 'x'.repeat(10_000)]) {
      expect(orderEndReason(status), status).toBeNull();
    }
  });

  it('a campaign map replaces the defaults', () => {
    const custom = { trash: 'order_cancelled', Chargeback: 'order_refunded' } as const;
    expect(orderEndReason('trash', custom)).toBe('order_cancelled');
    expect(orderEndReason('chargeback', custom)).toBe('order_refunded');
    expect(orderEndReason('failed', custom)).toBeNull();
    expect(orderEndReason('cancelled', {})).toBeNull();
  });

  it('maps only to reason codes of the catalogue', () => {
    for (const reason of Object.values(defaultCancelStatuses)) expect(Object.hasOwn(reasonCodes, reason)).toBe(true);
  });
});

describe('statusKey and isStatusIn', () => {
  it('match statuses across platforms spelling them differently', () => {
    expect(statusKey(' Completed ')).toBe('completed');
    expect(isStatusIn('Completed', ['completed', 'shipped'])).toBe(true);
    expect(isStatusIn('processing', ['completed', 'shipped'])).toBe(false);
    expect(isStatusIn('completed', [])).toBe(false);
  });
});
