/**
 * The import benchmark's "schema floor": what PostgreSQL alone needs to store the rows of an import
 * file as our schema stores them — the same customers, orders, status history, invitations (with
 * their search row and timeline event) under every index, foreign key and trigger of those tables —
 * with no application at all: the file COPYed into a staging table, then one set-based INSERT …
 * SELECT per table, in one transaction.
 *
 * No implementation of the import can be faster than this on the same machine, so it splits the gap
 * to COPY-into-a-plain-table in two: what the data model costs (COPY → floor) and what our import
 * costs on top (floor → ours). It is deliberately simpler than the real path — no checks, no campaign
 * rules (every order gets a pending invitation after the default campaign's delay), no per-row link
 * secret (the token hash is a SHA-256 of the order id), a file whose orders, stores' codes and
 * customers are all new to the tenant — which only makes it faster.
 */
import type pg from 'pg';

const STAGING_COLUMNS = `order_ref text, store text, status text, email text, first_name text, last_name text, customer_group text, locale text,
  country text, placed_at timestamptz, status_changed_at timestamptz, currency text, total numeric, items jsonb`;

/** Loads `file` (the benchmark's CSV) into `tenantId`'s tables; returns how many invitations it wrote. */
export async function writeSchemaFloor(pool: pg.Pool, file: string, tenantId: number): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`CREATE TEMP TABLE floor_staging (${STAGING_COLUMNS}) ON COMMIT DROP`);
    await client.query(`COPY floor_staging FROM '${file.replace(/'/g, "''")}' WITH (FORMAT csv, HEADER true)`);
    const t = [tenantId];
    await client.query(
      `INSERT INTO stores (tenant_id, code, name) SELECT DISTINCT $1::bigint, store, store FROM floor_staging ON CONFLICT DO NOTHING`,
      t,
    );
    await client.query(
      `INSERT INTO customers (tenant_id, email_norm, email, first_name, last_name, locale, country, customer_group,
                              orders_count, total_spent, first_order_at, last_order_at)
       SELECT $1, lower(email), min(email), min(first_name), min(last_name), min(locale), min(country), min(customer_group),
              count(*), sum(total), min(placed_at), max(placed_at)
       FROM floor_staging GROUP BY lower(email)
       ON CONFLICT (tenant_id, email_norm) DO UPDATE
         SET orders_count = customers.orders_count + excluded.orders_count, total_spent = customers.total_spent + excluded.total_spent`,
      t,
    );
    await client.query(
      `CREATE TEMP TABLE floor_orders ON COMMIT DROP AS
       WITH o AS (
         INSERT INTO orders (tenant_id, store_id, order_ref, status, status_changed_at, placed_at, customer_id, email, first_name, last_name,
                             customer_group, locale, country, currency, total, items, source)
         SELECT $1, st.id, s.order_ref, s.status, s.status_changed_at, s.placed_at, c.id, s.email, s.first_name, s.last_name,
                s.customer_group, s.locale, s.country, s.currency, s.total, s.items, 'import'
         FROM floor_staging s
         JOIN stores st ON st.tenant_id = $1 AND st.code = s.store
         JOIN customers c ON c.tenant_id = $1 AND c.email_norm = lower(s.email)
         RETURNING id, store_id, order_ref, status, status_changed_at, placed_at, email, first_name, last_name, locale, source),
       e AS (INSERT INTO order_events (tenant_id, order_id, status, occurred_at, source) SELECT $1, id, status, status_changed_at, source FROM o)
       SELECT * FROM o`,
      t,
    );
    const { rowCount } = await client.query(
      `WITH inv AS (
         INSERT INTO invitations (tenant_id, campaign_id, order_id, order_ref, store_id, email, email_norm, first_name, last_name, name, locale,
                                  channel, destination, state, source, scheduled_at, token_hash)
         SELECT $1, c.id, o.id, st.code || ':' || o.order_ref, o.store_id, o.email, lower(o.email), o.first_name, o.last_name,
                o.first_name || ' ' || o.last_name, o.locale, c.channel, 'hosted', 'pending', 'import',
                o.status_changed_at + c.delay_days * interval '1 day', sha256(convert_to('floor:' || o.id, 'UTF8'))
         FROM floor_orders o
         JOIN stores st ON st.id = o.store_id
         JOIN campaigns c ON c.tenant_id = $1 AND c.is_default
         RETURNING id, tenant_id)
       INSERT INTO invitation_events (invitation_id, tenant_id, type, data) SELECT id, tenant_id, 'created', '{"source": "import"}'::jsonb FROM inv`,
      t,
    );
    await client.query('COMMIT');
    return rowCount ?? 0;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
