/**
 * The first statement of an order batch: lock the tenant row FOR NO KEY UPDATE (record-orders.ts says
 * why) and read what every order of the batch needs — the tenant's time zone, its campaigns, and the
 * stores of the batch's codes — in one round trip. Rows joined to the locked row come from the
 * statement's snapshot, which predates a wait for the lock: a store created meanwhile is found again
 * when its insert conflicts (find-or-create-stores.ts), and campaigns are read as of the moment the
 * batch arrived, which no writer of campaigns orders against anyway.
 */
import { sql, type Kysely } from 'kysely';
import type { Campaign, Database, Store } from '../db/schema.ts';
import { columnsOf, opaque, prepared } from '../db/prepared-statements.ts';
import { notFound } from '../errors.ts';

export type TenantForOrders = { tenant: { id: number; timezone: string }; campaigns: Campaign[]; stores: Map<string, Store> };

// Every column of a campaign, named: prepared statements never return `*` (prepared-statements.ts says why).
const campaignColumns = columnsOf<Campaign>()([
  'id', 'tenant_id', 'slug', 'name', 'enabled', 'is_default', 'trigger_statuses', 'delay_days', 'send_window', 'criteria', 'channel', 'destinations',
  'template', 'reminders', 'expiry_days', 'frequency_cap_days', 'send_late_days', 'cancel_statuses', 'created_at', 'updated_at',
])('c');

type StoreJson = Omit<Store, 'created_at'> & { created_at: string };

export async function lockTenantForOrders(db: Kysely<Database>, tenantId: number, storeCodes: readonly string[]): Promise<TenantForOrders> {
  const { rows } = await sql<Campaign & { tenant_timezone: string; batch_stores: StoreJson[] | null }>`${prepared}
    SELECT t.timezone AS tenant_timezone,
           (SELECT json_agg(s) FROM stores s WHERE s.tenant_id = t.id AND s.code = any(${opaque([...storeCodes], 'text[]')})) AS batch_stores,
           ${campaignColumns}
    FROM tenants t LEFT JOIN campaigns c ON c.tenant_id = t.id
    WHERE t.id = ${tenantId}
    ORDER BY c.id
    FOR NO KEY UPDATE OF t`.execute(db);
  const first = rows[0];
  if (!first) throw notFound('Tenant');
  const stores = new Map((first.batch_stores ?? []).map((s): [string, Store] => [s.code, { ...s, created_at: new Date(s.created_at) }]));
  const campaigns = rows.filter((r) => r.id !== null).map(({ tenant_timezone: _t, batch_stores: _s, ...campaign }) => campaign as Campaign);
  return { tenant: { id: tenantId, timezone: first.tenant_timezone }, campaigns, stores };
}
