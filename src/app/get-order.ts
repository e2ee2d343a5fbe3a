/**
 * One order with its status history and invitations. An order_ref is unique per store, not per
 * tenant: when several stores have it and the caller named none, the answer is a 409 listing them.
 */
import { AppError, notFound } from '../errors.ts';
import { invitationView, type InvitationView } from './invitation-view.ts';
import { orderView, type OrderStatusEvent, type OrderView } from './order-view.ts';
import type { AppDeps } from './ports.ts';

export type OrderDetail = { order: OrderView; history: OrderStatusEvent[]; invitations: InvitationView[] };

export async function getOrder(deps: Pick<AppDeps, 'db' | 'links' | 'publicUrl'>, tenantId: number, orderRef: string, storeCode?: string): Promise<OrderDetail> {
  let q = deps.db
    .selectFrom('orders as o')
    .innerJoin('stores as s', 's.id', 'o.store_id')
    .selectAll('o')
    .select('s.code as store_code')
    .where('o.tenant_id', '=', tenantId)
    .where('o.order_ref', '=', orderRef);
  if (storeCode !== undefined) q = q.where('s.code', '=', storeCode);
  const rows = await q.orderBy('s.code').limit(50).execute();
  if (rows.length === 0) throw notFound('Order');
  if (rows.length > 1) {
    const codes = rows.map((r) => r.store_code);
    throw new AppError('conflict', `Order "${orderRef}" exists in several stores (${codes.join(', ')}): name one with ?store=<code>`, {
      fields: [{ field: 'store', message: `one of: ${codes.join(', ')}` }],
    });
  }
  const { store_code, ...order } = rows[0]!;
  const [events, invitations] = await Promise.all([
    deps.db.selectFrom('order_events').select(['status', 'occurred_at', 'source']).where('order_id', '=', order.id).orderBy('occurred_at').orderBy('id').execute(),
    deps.db.selectFrom('invitations').selectAll().where('tenant_id', '=', tenantId).where('order_id', '=', order.id).orderBy('id').execute(),
  ]);
  return {
    order: orderView(order, store_code),
    history: events.map((e) => ({ status: e.status, occurred_at: e.occurred_at.toISOString(), source: e.source })),
    invitations: invitations.map((i) => invitationView(deps, i)),
  };
}
