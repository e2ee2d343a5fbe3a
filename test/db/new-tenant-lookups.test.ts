/**
 * Lookups for one address or one window stay small for a tenant newer than the statistics. Such a
 * tenant is estimated at one row, so every index that starts with tenant_id looks as good as any
 * other, and the narrowest one can answer by reading all the tenant's invitations — per call, until
 * the next ANALYZE (a second shop importing its history, say). Each lookup here runs exactly as the
 * app sends it (a Kysely log captures the statements), and its plan, executed with EXPLAIN ANALYZE
 * and rolled back, may read only a handful of the tenant's 5,000 invitations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import { createInvitation } from '../../src/app/create-invitation.ts';
import { nearestInvitationAt } from '../../src/app/nearest-invitation-at.ts';
import { createTenant } from '../../src/app/tenants.ts';
import { suppressAddress } from '../../src/app/unsubscribe.ts';
import type { Database } from '../../src/db/schema.ts';
import { seedDueInvitations } from '../helpers/seed-queue.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';

type PlanNode = { 'Relation Name'?: string; 'Actual Rows': number; 'Actual Loops': number; 'Rows Removed by Filter'?: number; Plans?: PlanNode[] };

/** Rows the plan took from invitations: returned by its scans plus those their filters threw away. */
function invitationRowsRead(node: PlanNode): number {
  const own = node['Relation Name'] === 'invitations' ? (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0)) * node['Actual Loops'] : 0;
  return own + (node.Plans ?? []).reduce((sum, p) => sum + invitationRowsRead(p), 0);
}

const OTHERS = 5_000;

describe.each(engines)('lookups for a tenant the statistics have not seen, on %s', (engine) => {
  let s: TestServices;
  let tenantId: number;
  let logged: Kysely<Database>;
  const statements: CompiledQuery[] = [];

  beforeAll(async () => {
    s = await createTestServices(engine);
    // The first shop is analyzed; the second comes later with 5,000 invitations from two hours ago.
    await seedDueInvitations(s.deps.db, { invitations: OTHERS, tenants: 1, label: 'Analyzed' });
    ({
      tenant: { id: tenantId },
    } = await createTenant(s.deps, { name: 'New Shop' }));
    await sql`
      INSERT INTO invitations (tenant_id, campaign_id, order_ref, email, email_norm, name, first_name, channel, scheduled_at, token_hash, created_at, updated_at, source)
      SELECT c.tenant_id, c.id, 'new-' || g, 'n' || g || '@example.com', 'n' || g || '@example.com', 'Customer ' || g, 'Customer', c.channel,
             now() + interval '1 day', sha256(gen_random_uuid()::text::bytea), now() - interval '2 hours', now(), 'api'
      FROM campaigns c, generate_series(1, ${OTHERS}::int) g WHERE c.tenant_id = ${tenantId} AND c.is_default`.execute(s.deps.db);
    logged = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: s.database.pool }),
      log: (event) => {
        if (event.level === 'query') statements.push(event.query);
      },
    });
  });
  afterAll(async () => {
    await s?.dispose();
  });

  /** Each statement of `run` that touches invitations, with the invitation rows its plan reads. */
  async function rowsReadBy(run: (db: Kysely<Database>) => Promise<unknown>): Promise<{ sql: string; rows: number }[]> {
    statements.length = 0;
    await run(logged);
    const read = [];
    for (const q of statements.filter((st) => /\binvitations\b/.test(st.sql) && !/^\s*insert/i.test(st.sql))) {
      const client = await s.database.pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql}`, [...q.parameters]);
        read.push({ sql: q.sql, rows: invitationRowsRead(rows[0]!['QUERY PLAN'][0].Plan) });
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    }
    return read;
  }

  it('the frequency cap reads the address, not the tenant', async () => {
    const read = await rowsReadBy((db) => nearestInvitationAt(db, { tenantId, emailNorm: 'n77@example.com', at: new Date() }));
    expect(read).toHaveLength(1);
    expect(read[0]!.rows).toBeLessThanOrEqual(2);
  });

  it('suppressing an address skips its pending invitations without reading the tenant', async () => {
    const read = await rowsReadBy((db) => suppressAddress({ db, clock: s.deps.clock }, tenantId, 'n78@example.com', 'manual', 'test'));
    expect(read).toHaveLength(1);
    expect(read[0]!.rows).toBeLessThanOrEqual(3);
    expect(await s.deps.db.selectFrom('invitations').select('state').where('email_norm', '=', 'n78@example.com').executeTakeFirst()).toEqual({ state: 'skipped' });
  });

  it("the API's rolling hour reads the hour, not the tenant's older invitations", async () => {
    const read = await rowsReadBy((db) => createInvitation({ ...s.deps, db }, tenantId, { email: 'fresh@example.com', name: 'Fresh', order_ref: 'fresh-1' }));
    expect(read.length).toBeGreaterThan(0);
    for (const r of read) expect(r.rows, r.sql).toBeLessThanOrEqual(2);
  });
});
