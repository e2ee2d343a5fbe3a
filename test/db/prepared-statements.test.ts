/**
 * The statements marked `prepared` (src/db/prepared-statements.ts) keep their two promises:
 * - Under a generic plan — which PostgreSQL may switch to after five executions of a named statement —
 *   each still looks its keys up one by one, for a tenant newer than the statistics as for one they
 *   know: every marked statement of an order batch, an API-key lookup and a delivery's send-context read is captured as the app
 *   sends it, prepared again by hand, and executed with EXPLAIN ANALYZE under
 *   `plan_cache_mode = force_generic_plan` (rolled back); its scans may read a few rows per key, not
 *   the tenant's 5,000 orders, customers or invitations.
 * - That generic plan is the one they run: none is planned again at every execution, however few keys
 *   its batch holds.
 * - They outlive a migration that adds columns while the process runs: a connection that prepared them
 *   still writes the next batch, where a prepared `SELECT *` fails ("cached plan must not change result
 *   type").
 */
import { createRequire } from 'node:module';
import { Kysely, PostgresDialect, sql, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createApiKeyAuthenticator } from '../../src/app/api-keys.ts';
import { recordOrders } from '../../src/app/record-orders.ts';
import { createTenant } from '../../src/app/tenants.ts';
import { prepared, preparedName } from '../../src/db/prepared-statements.ts';
import { readSendContexts } from '../../src/db/queue/read-send-context.ts';
import type { Database } from '../../src/db/schema.ts';
import { anOrder } from '../orders/orders-fixture.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';

// pg's own serialization of a parameter (dates, arrays, buffers), to spell the captured values as literals.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue: (v: unknown) => string | null };
const literal = (v: unknown) => {
  const text = prepareValue(v);
  return text === null ? 'NULL' : pg.Client.prototype.escapeLiteral(text);
};

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Actual Rows': number; 'Actual Loops': number; 'Rows Removed by Filter'?: number; Plans?: PlanNode[] };

const SEEDED = 5_000;
const BIG_TABLES = new Set(['orders', 'order_events', 'customers', 'invitations', 'suppressions', 'api_keys']);

/** Rows the plan's scans took from the big tables: returned plus those their filters threw away. */
function rowsRead(node: PlanNode): number {
  const own = node['Node Type'].endsWith('Scan') && BIG_TABLES.has(node['Relation Name'] ?? '') ? (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0)) * node['Actual Loops'] : 0;
  return own + (node.Plans ?? []).reduce((sum, p) => sum + rowsRead(p), 0);
}

/** A shop with SEEDED orders — half of them completed with an invitation — each of its own customer. */
async function seedShop(s: TestServices, name: string): Promise<{ tenantId: number; key: string }> {
  const { tenant } = await createTenant(s.deps, { name });
  await sql`UPDATE campaigns SET frequency_cap_days = 30 WHERE tenant_id = ${tenant.id}`.execute(s.deps.db);
  const [first] = await recordOrders(s.deps, tenant.id, [anOrder('first', { status: 'processing' })]);
  expect(first?.ok).toBe(true);
  const t = tenant.id;
  const email = sql`'c' || g || '.t' || ${t}::bigint || '@example.com'`;
  await sql`
    INSERT INTO customers (tenant_id, email_norm, email, orders_count, total_spent, first_order_at, last_order_at)
    SELECT ${t}, ${email}, ${email}, 1, 10, now() - interval '10 days', now() - interval '10 days' FROM generate_series(1, ${SEEDED}::int) g`.execute(s.deps.db);
  await sql`
    INSERT INTO orders (tenant_id, store_id, order_ref, status, customer_id, email, placed_at, status_changed_at)
    SELECT ${t}, st.id, 'o-' || g, CASE WHEN g > ${SEEDED / 2}::int THEN 'completed' ELSE 'processing' END, c.id, c.email,
           now() - interval '10 days', now() - interval '10 days'
    FROM generate_series(1, ${SEEDED}::int) g
    JOIN stores st ON st.tenant_id = ${t} AND st.code = 'main'
    JOIN customers c ON c.tenant_id = ${t} AND c.email_norm = ${email}`.execute(s.deps.db);
  await sql`INSERT INTO order_events (tenant_id, order_id, status, occurred_at, source) SELECT tenant_id, id, status, status_changed_at, source FROM orders WHERE tenant_id = ${t}`.execute(s.deps.db);
  await sql`
    INSERT INTO invitations (tenant_id, campaign_id, order_id, order_ref, store_id, email, email_norm, name, first_name, channel, scheduled_at, token_hash, source)
    SELECT o.tenant_id, c.id, o.id, 'main:' || o.order_ref, o.store_id, o.email, o.email, 'Customer', 'Customer', c.channel, now() + interval '1 day',
           sha256(gen_random_uuid()::text::bytea), 'order'
    FROM orders o JOIN campaigns c ON c.tenant_id = o.tenant_id AND c.is_default
    WHERE o.tenant_id = ${t} AND o.status = 'completed'`.execute(s.deps.db);
  await sql`INSERT INTO suppressions (tenant_id, email_norm, reason, source) VALUES (${t}, ${'c3.t' + t + '@example.com'}, 'manual', 'test')`.execute(s.deps.db);
  return { tenantId: t, key: (await createApiKey(s.deps, t, 'shop')).key };
}

/** One batch of every kind of row: new orders of new and known customers, completions, refunds, repeats, a suppressed address. */
function aBatch(tenantId: number, round: string): Record<string, unknown>[] {
  const known = (n: number) => ({ email: `c${n}.t${tenantId}@example.com`, first_name: 'Known' });
  return [
    ...Array.from({ length: 8 }, (_, k) => anOrder(`${round}-new-${k}`, { customer: { email: `${round}.${k}@example.com`, first_name: 'New' } })),
    anOrder(`${round}-new-known`, { customer: known(11) }),
    anOrder(`${round}-new-suppressed`, { customer: known(3) }),
    ...[1, 2, 4, 5].map((n) => anOrder(`o-${n + (round === 'b' ? 10 : 0)}`, { customer: known(n + (round === 'b' ? 10 : 0)), status_changed_at: '2026-12-01T00:00:00Z' })),
    ...[1, 2, 3].map((n) => anOrder(`o-${SEEDED - n - (round === 'b' ? 10 : 0)}`, { customer: known(SEEDED - n - (round === 'b' ? 10 : 0)), status: 'refunded', status_changed_at: '2026-12-01T00:00:00Z' })),
    anOrder(`o-${SEEDED - 20}`, { customer: known(SEEDED - 20), status: 'completed' }),
  ];
}

describe.each(engines)('prepared statements on %s', (engine) => {
  describe('generic plans look keys up one by one', () => {
    let s: TestServices;
    let analyzed: { tenantId: number; key: string };
    let newer: { tenantId: number; key: string };

    beforeAll(async () => {
      s = await createTestServices(engine);
      analyzed = await seedShop(s, 'Analyzed shop');
      await sql`ANALYZE`.execute(s.deps.db);
      // Seeded after the statistics: estimated at one row per tenant.
      newer = await seedShop(s, 'Newer shop');
    }, 120_000);
    afterAll(async () => {
      await s?.dispose();
    });

    /**
     * Each prepared statement `run` sends, with the rows of the big tables its generic plan reads:
     * explained on the same connection right before it runs, so it sees what the statements before it
     * wrote, and rolled back (to a savepoint inside a transaction) before the real one runs.
     */
    async function genericPlans(run: (db: Kysely<Database>) => Promise<unknown>): Promise<{ sql: string; rows: number; generic: boolean }[]> {
      const client = await s.database.pool.connect();
      const out: { sql: string; rows: number; generic: boolean }[] = [];
      let inTransaction = false;
      const explain = async (text: string, values: readonly unknown[]) => {
        await client.query(inTransaction ? 'SAVEPOINT generic_check' : 'BEGIN');
        try {
          await client.query(`PREPARE generic_check AS ${text}`);
          await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
          // EXECUTE's arguments are literals: EXPLAIN takes no parameters of its own.
          const args = values.map(literal).join(', ');
          const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) EXECUTE generic_check(${args})`);
          const plan = rows[0]!['QUERY PLAN'][0].Plan;
          out.push({ sql: text, rows: rowsRead(plan), generic: /\$\d/.test(JSON.stringify(plan)) });
        } finally {
          await client.query(inTransaction ? 'ROLLBACK TO SAVEPOINT generic_check' : 'ROLLBACK');
          await client.query('DEALLOCATE generic_check');
        }
      };
      const checked: PostgresPoolClient = {
        // @ts-expect-error pg's answer types `command` as any string; Kysely's as the DML verbs it reads.
        async query(text: string, values: readonly unknown[] = []) {
          if (preparedName(text) !== undefined) await explain(text, values);
          const result = await client.query(text, [...values]);
          if (/^\s*begin\b/i.test(text)) inTransaction = true;
          if (/^\s*(commit|rollback)\b/i.test(text)) inTransaction = false;
          return result;
        },
        release() {},
      };
      try {
        await run(new Kysely<Database>({ dialect: new PostgresDialect({ pool: { connect: async () => checked, end: async () => {} } }) }));
      } finally {
        client.release();
      }
      return out;
    }

    for (const which of ['newer', 'analyzed'] as const) {
      it(`an order batch and an API-key lookup of the ${which} shop`, async () => {
        const shop = which === 'newer' ? newer : analyzed;
        // Ten of its invitations as a worker holds them right after its claim.
        const { rows: leased } = await sql<{ id: number; lease_token: string }>`
          UPDATE invitations SET state = 'sending', lease_token = gen_random_uuid(), leased_until = now() + interval '1 minute'
          WHERE id IN (SELECT id FROM invitations WHERE tenant_id = ${shop.tenantId} AND state = 'pending' ORDER BY id LIMIT 10)
          RETURNING id, lease_token`.execute(s.deps.db);
        const plans = await genericPlans(async (db) => {
          await createApiKeyAuthenticator({ db, clock: s.deps.clock })(shop.key);
          const out = await recordOrders({ ...s.deps, db }, shop.tenantId, aBatch(shop.tenantId, 'a'));
          expect(out.every((o) => o.ok)).toBe(true);
          const contexts = await readSendContexts(db, leased.map((l) => ({ invitationId: l.id, leaseToken: l.lease_token })));
          expect(contexts.map((c) => c?.leaseHeld)).toEqual(leased.map(() => true));
        });
        // The API-key lookup, the tenant lock, the orders' lock, insert and update, customers, facts, invitations;
        // the worker's send-context read.
        expect(plans.length).toBeGreaterThanOrEqual(9);
        for (const p of plans) {
          expect(p.generic, p.sql).toBe(true);
          // 18 orders, each a few probes; a plan reading the tenant's rows reads thousands.
          expect(p.rows, p.sql).toBeLessThanOrEqual(200);
        }
      });
    }
  });

  describe('on one connection, which keeps its statements', () => {
    let s: TestServices;
    beforeAll(async () => {
      // One connection, so every statement below runs on, and counts for, the one that prepared them.
      s = await createTestServices(engine, { poolSize: 1 });
    });
    afterAll(async () => {
      await s?.dispose();
    });

    /**
     * PostgreSQL re-plans a prepared statement at every execution for as long as its custom plans
     * look cheaper than its generic one — as they did for a batch of fewer keys than the ten the
     * generic plan assumes an array holds. Small batches, each statement run ten times or more: after
     * its first five executions none may be planned again.
     */
    it('plans no marked statement again after its first five executions, even for a batch of two orders', async () => {
      const { tenant } = await createTenant(s.deps, { name: 'Small batches' });
      const { key } = await createApiKey(s.deps, tenant.id, 'shop');
      const authenticate = createApiKeyAuthenticator(s.deps);
      const customer = (n: number) => ({ email: `small${n}@example.com`, first_name: 'Small' });
      for (let round = 1; round <= 12; round++) {
        await authenticate(key);
        const out = await recordOrders(s.deps, tenant.id, [
          anOrder(`small-${round}`, { status: 'processing', customer: customer(round) }),
          // The previous round's order completes: an update, and an invitation.
          anOrder(`small-${round - 1}`, { status: 'completed', customer: customer(round - 1), status_changed_at: `2026-07-${10 + round}T08:00:00Z` }),
        ]);
        expect(out.map((o) => (o.ok ? 'ok' : String(o.error)))).toEqual(['ok', 'ok']);
        const { rows: leased } = await sql<{ id: number; lease_token: string }>`
          UPDATE invitations SET state = 'sending', lease_token = gen_random_uuid(), leased_until = now() + interval '1 minute'
          WHERE id = (SELECT max(id) FROM invitations WHERE tenant_id = ${tenant.id}) RETURNING id, lease_token`.execute(s.deps.db);
        await readSendContexts(s.deps.db, leased.map((l) => ({ invitationId: l.id, leaseToken: l.lease_token })));
      }
      const { rows } = await sql<{ statement: string; generic_plans: number; custom_plans: number }>`
        SELECT statement, generic_plans::int, custom_plans::int FROM pg_prepared_statements WHERE name LIKE 'ri\\_%'`.execute(s.deps.db);
      const often = rows.filter((r) => r.generic_plans + r.custom_plans >= 10);
      // The key lookup, the tenant lock, the orders' lock, insert and update, customers, facts, invitations, send context.
      expect(often.length).toBeGreaterThanOrEqual(9);
      expect(often.filter((r) => r.custom_plans > 5).map((r) => `${r.custom_plans} of ${r.generic_plans + r.custom_plans} planned again: ${r.statement}`)).toEqual([]);
    });

    it('survives a migration adding columns under it; a prepared SELECT * would fail', async () => {
      const shop = await seedShop(s, 'Running shop');
      const authenticate = createApiKeyAuthenticator(s.deps);
      for (let i = 0; i < 6; i++) {
        await authenticate(shop.key);
        const out = await recordOrders(s.deps, shop.tenantId, aBatch(shop.tenantId, i === 0 ? 'a' : `a${i}`));
        expect(out.every((o) => o.ok)).toBe(true);
      }
      const starOfOrders = () => sql`${prepared}SELECT * FROM orders WHERE tenant_id = ${shop.tenantId} LIMIT 1`.execute(s.deps.db);
      await starOfOrders();
      if (engine === 'postgres') {
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'ri\\_%'`.execute(s.deps.db);
        expect(rows[0]!.n).toBeGreaterThanOrEqual(8);
      }

      for (const table of ['tenants', 'stores', 'campaigns', 'customers', 'orders', 'order_events', 'invitations', 'api_keys']) {
        await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN added_later int`.execute(s.deps.db);
      }

      await authenticate(shop.key);
      const out = await recordOrders(s.deps, shop.tenantId, aBatch(shop.tenantId, 'b'));
      expect(out.map((o) => (o.ok ? 'ok' : String(o.error)))).toEqual(out.map(() => 'ok'));
      await expect(starOfOrders()).rejects.toThrow(/cached plan must not change result type/);
    });
  });
});
