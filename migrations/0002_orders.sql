-- Orders in, invitations scheduled by campaign rules (issue 4). Additive only.

-- Per-campaign map status → why it ends the order ({"cancelled": "order_cancelled", ...});
-- null = the built-in map (src/domain/order.ts defaultCancelStatuses).
ALTER TABLE campaigns ADD COLUMN cancel_statuses jsonb;

-- The customer's own time zone as the order reported it: the first choice for the send window.
ALTER TABLE orders ADD COLUMN customer_timezone text;

-- GET /api/v1/orders/:order_ref looks an order up without its store.
CREATE INDEX orders_tenant_ref ON orders (tenant_id, order_ref);

-- An order's invitations: shown with the order, skipped when it is cancelled.
CREATE INDEX invitations_order ON invitations (order_id) WHERE order_id IS NOT NULL;
