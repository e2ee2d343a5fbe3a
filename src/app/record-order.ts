/**
 * One order in (DESIGN §3): recordOrders with a batch of one — the same transaction, locks and rules
 * (see record-orders.ts). A refused order throws: its field errors as a 400, or the database error.
 */
import type { AppDeps } from './ports.ts';
import { recordOrders, type RecordOrderResult } from './record-orders.ts';

export type { RecordOrderInput } from './check-order-input.ts';
export type { RecordOrderResult } from './record-orders.ts';

export type RecordOrderOptions = {
  /** false = backfill: keep the order and its history, schedule nothing (importing past orders). */
  schedule?: boolean;
  /** The platform's payload as received, kept with the order. */
  raw?: unknown;
};

export async function recordOrder(deps: AppDeps, tenantId: number, input: unknown, options: RecordOrderOptions = {}): Promise<RecordOrderResult> {
  const [outcome] = await recordOrders(deps, tenantId, [input], {
    ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
    ...(options.raw === undefined ? {} : { raw: [options.raw] }),
  });
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.result;
}
