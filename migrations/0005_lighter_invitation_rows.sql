-- Fewer index entries per invitation write (issue 5). Runs on PostgreSQL 15+ and PGlite.
--
-- An invitation row is rewritten at every step of its life (claimed, sent, opened, completed,
-- expired), and each of those updates changes an indexed column (the state, a partial index's
-- condition), so PostgreSQL adds an entry to EVERY index of the table — also to indexes whose columns
-- did not change. Measured on the worker's claim → read → mark-sent loop: 181 → 147 µs of PostgreSQL
-- CPU per delivered invitation with the two changes below (bench/README.md, "queue").

-- 1. Name/email search moves to a table of its own. Name and email never change after an invitation
--    is created, so this table is written once per invitation; the trigram index on invitations got
--    ~40 trigram entries again at every update (~25 µs per delivered invitation of the 181).
CREATE TABLE invitation_search (
  invitation_id bigint PRIMARY KEY REFERENCES invitations(id) ON DELETE CASCADE,
  tenant_id     bigint NOT NULL,
  -- What the grid's `q` filter matches (src/app/invitation-filter.ts): name, a space, the email.
  text          text NOT NULL
);

-- The database keeps it, so no writer can forget it: one INSERT per statement that inserts
-- invitations (a transition table), not a function call per row.
CREATE FUNCTION invitation_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO invitation_search (invitation_id, tenant_id, text)
  SELECT id, tenant_id, name || ' ' || email FROM new_invitations;
  RETURN NULL;
END
$$;
CREATE TRIGGER invitations_search_insert AFTER INSERT ON invitations
  REFERENCING NEW TABLE AS new_invitations FOR EACH STATEMENT EXECUTE FUNCTION invitation_search_insert();

-- Nothing updates name or email today; should anything ever, the search follows. Only statements
-- that set one of the two columns consider this trigger, so the queue's updates never call it.
CREATE FUNCTION invitation_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE invitation_search SET text = NEW.name || ' ' || NEW.email WHERE invitation_id = NEW.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER invitations_search_update AFTER UPDATE OF name, email ON invitations
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email)
  EXECUTE FUNCTION invitation_search_update();

INSERT INTO invitation_search (invitation_id, tenant_id, text) SELECT id, tenant_id, name || ' ' || email FROM invitations;

DROP INDEX IF EXISTS invitations_grid_search;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    EXECUTE 'CREATE INDEX invitation_search_text ON invitation_search USING gin (text gin_trgm_ops)';
  END IF;
END
$$;
-- As in 0003: a larger sample of the searched text, so a rare name is estimated rare and the planner
-- reads the trigram index instead of walking the grid's sort index until 50 matches turn up.
ALTER TABLE invitation_search ALTER COLUMN text SET STATISTICS 500;

-- 2. The grid's order-ref lookup (tenant_id, order_ref) is served by the unique key once order_ref
--    leads it: one index fewer. The key still says one invitation per tenant, campaign and order_ref
--    (ON CONFLICT (tenant_id, campaign_id, order_ref) infers it by its columns).
--
-- 3. Unique keys lead with the natural key, not with tenant_id, here and on orders and on the
--    address lookup. When a tenant is unknown to the statistics (a new shop on an install analyzed
--    before it came, importing its history), `tenant_id = $1` is estimated at one row, so every index
--    that starts with tenant_id looks equally good, and the one with the fewest conditions wins: the
--    narrowest, least selective — a per-key lookup then read the tenant's whole history for every key
--    (measured: 25,000 rows read per key, 466 instead of ~3,600 rows/s importing a second tenant).
--    The batch lookups (write-orders.ts, read-schedule-facts.ts) probe by these keys without naming
--    the tenant — a store, an order, a campaign belong to one tenant — so only these indexes can
--    serve them, whatever the statistics say.
ALTER TABLE invitations ADD CONSTRAINT invitations_ref_campaign_tenant_key UNIQUE (order_ref, campaign_id, tenant_id);
ALTER TABLE invitations DROP CONSTRAINT invitations_tenant_id_campaign_id_order_ref_key;
DROP INDEX invitations_grid_order_ref;

ALTER TABLE orders ADD CONSTRAINT orders_store_ref_tenant_key UNIQUE (store_id, order_ref, tenant_id);
ALTER TABLE orders DROP CONSTRAINT orders_tenant_id_store_id_order_ref_key;

-- Frequency caps and unsubscribes look an address up; the order batch does it for many addresses.
CREATE INDEX invitations_email_tenant ON invitations (email_norm, tenant_id);
DROP INDEX invitations_tenant_email;
