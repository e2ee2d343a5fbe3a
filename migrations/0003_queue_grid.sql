-- The queue grid (GET /api/v1/invitations): every filter and every sort of the grid is served by an
-- index scan, so a page costs the same at 1,000,000 invitations as at 1,000 and deep keyset pages cost
-- the same as the first. Runs on PostgreSQL 15+ and PGlite.
--
-- Sort indexes end in id because the keyset is (sort column, id): the row comparison
-- (col, id) > ($v, $id) is then an index condition, never a filter over rows already passed.

-- created_at: (tenant_id, created_at) of 0001 plus id. The old index is a prefix of the new one (the
-- rolling creation limit is served the same), so it goes: one index less to maintain on every insert.
CREATE INDEX invitations_grid_created ON invitations (tenant_id, created_at, id);
DROP INDEX invitations_tenant_created;

-- INCLUDE created_at (the default sort): a narrow scheduled or sent range under that sort is read
-- from the index alone and sorted (see src/app/grid-range-hint.ts), without a heap visit per row.
CREATE INDEX invitations_grid_scheduled ON invitations (tenant_id, scheduled_at, id) INCLUDE (created_at);
-- Unsent rows (sent_at NULL) are kept: the grid lists them after the sent ones, ordered by id, and
-- `sent_at IS NULL` is an index condition too.
CREATE INDEX invitations_grid_sent ON invitations (tenant_id, sent_at, id) INCLUDE (created_at);
CREATE INDEX invitations_grid_id ON invitations (tenant_id, id);
-- The status filter (and "overdue" = pending with scheduled_at in the past) in scheduled order.
CREATE INDEX invitations_grid_state ON invitations (tenant_id, state, scheduled_at, id);
CREATE INDEX invitations_grid_order_ref ON invitations (tenant_id, order_ref);
-- Store ids belong to one tenant, so the store alone is selective.
CREATE INDEX invitations_grid_store ON invitations (store_id) WHERE store_id IS NOT NULL;
-- Most invitations have no reason (they were sent); only skips and failures are indexed.
CREATE INDEX invitations_grid_reason ON invitations (tenant_id, reason_code) WHERE reason_code IS NOT NULL;

-- The order date, copied onto the invitation so the order-date filter is a range of an invitations
-- index like the others. Through a join it cannot be: a week of orders at a million rows means ~20,000
-- order-by-order probes per page (~80 ms), or a walk of the sort index past every newer row. The
-- database keeps the copy, so no writer (recordOrder, imports, whatever comes) can forget it: set
-- when an invitation is inserted or moved to another order, and updated when its order's date changes.
ALTER TABLE invitations ADD COLUMN order_placed_at timestamptz;
UPDATE invitations i SET order_placed_at = o.placed_at FROM orders o WHERE o.id = i.order_id;
-- Every sort column included: a week of orders (~20,000 rows at a million) is read from the index
-- alone and sorted, ~15 ms instead of ~80 ms with a heap visit per row.
CREATE INDEX invitations_grid_order_date ON invitations (tenant_id, order_placed_at, id) INCLUDE (created_at, scheduled_at, sent_at)
  WHERE order_placed_at IS NOT NULL;

CREATE FUNCTION invitations_copy_order_placed_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.order_id IS NULL THEN
    NEW.order_placed_at := NULL;
  ELSE
    SELECT placed_at INTO NEW.order_placed_at FROM orders WHERE id = NEW.order_id;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER invitations_order_placed_at BEFORE INSERT OR UPDATE OF order_id ON invitations
  FOR EACH ROW EXECUTE FUNCTION invitations_copy_order_placed_at();

CREATE FUNCTION orders_copy_placed_at_to_invitations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE invitations SET order_placed_at = NEW.placed_at WHERE order_id = NEW.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER orders_placed_at_to_invitations AFTER UPDATE OF placed_at ON orders
  FOR EACH ROW WHEN (OLD.placed_at IS DISTINCT FROM NEW.placed_at) EXECUTE FUNCTION orders_copy_placed_at_to_invitations();

-- Name/email search is a substring match (ILIKE '%q%'): only a trigram index serves it. pg_trgm ships
-- with PostgreSQL (contrib) but PGlite only has it when the extension is loaded at start, so where it
-- is missing the search falls back to filtering the tenant's rows in sort order — fine at embedded
-- sizes, and nothing else in the schema depends on it.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm is not available (%): name/email search runs without an index', SQLERRM;
END
$$;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    -- The expression must match list-invitations.ts exactly for the planner to use it.
    EXECUTE 'CREATE INDEX invitations_grid_search ON invitations USING gin ((name || '' '' || email) gin_trgm_ops)';
    -- A larger sample of the searched text: a rare name then matches none of 500 sampled rows and is
    -- estimated rare, so the planner reads the trigram index instead of walking the sort index
    -- until 50 matches turn up (the whole table when there are fewer).
    EXECUTE 'ALTER INDEX invitations_grid_search ALTER COLUMN 1 SET STATISTICS 500';
  END IF;
END
$$;
