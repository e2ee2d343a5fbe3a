/**
 * Group commit for order writes (POST /api/v1/orders): concurrent writes of one tenant share one
 * recordOrders transaction — one tenant lock, one commit, a fixed number of statements for all of
 * them — instead of queueing one by one behind the tenant lock. Each tenant has its own batcher
 * (create-batcher.ts): a write waits only while its tenant's previous batch commits (or for the end of
 * the current event-loop turn when none is running), batches grow with load, and tenants never wait
 * for each other.
 *
 * Each caller gets its own row's outcome: a row the batch refuses (a date its store cannot read, a
 * value the database cannot hold) fails only that caller. A failure of the batch itself (the database
 * went away) fails every caller in it with that error; nothing is dropped silently.
 */
import { createBatcher, type Batcher } from './create-batcher.ts';
import type { AppDeps } from './ports.ts';
import { recordOrders, type RecordOrderOutcome } from './record-orders.ts';

export type OrderIntake = (tenantId: number, input: unknown) => Promise<RecordOrderOutcome>;

/** At most this many orders per transaction; more wait for the next one. */
export const ORDER_BATCH_MAX = 200;

export function createOrderIntake(deps: AppDeps, options: { maxBatch?: number } = {}): OrderIntake {
  const tenants = new Map<number, { write: Batcher<unknown, RecordOrderOutcome>; waiting: number }>();
  return async (tenantId, input) => {
    let tenant = tenants.get(tenantId);
    if (!tenant) {
      tenant = { write: createBatcher((inputs: unknown[]) => recordOrders(deps, tenantId, inputs), { maxBatch: options.maxBatch ?? ORDER_BATCH_MAX }), waiting: 0 };
      tenants.set(tenantId, tenant);
    }
    tenant.waiting++;
    try {
      return await tenant.write(input);
    } finally {
      // An idle batcher holds nothing: forget it, so the map stays as small as the set of busy tenants.
      if (--tenant.waiting === 0) tenants.delete(tenantId);
    }
  };
}
