/**
 * The send-time re-check (DESIGN §3): one short read right before the call — is the lease still
 * ours, is the address suppressed now, is the campaign still enabled, was the review already written
 * through the link, and what the campaign's rules and the order's status say now (recheck-invitation.ts
 * decides on them) — plus what the channel needs to build the message.
 *
 * One statement answers for many invitations: the worker starts a claimed batch at once, so its
 * deliveries ask together (app/create-batcher.ts) and pay one round trip between them, and the
 * statement is planned once per connection (db/prepared-statements.ts).
 */
import { sql, type Kysely, type SqlBool } from 'kysely';
import { opaque, prepared } from '../prepared-statements.ts';
import type { Campaign, Database } from '../schema.ts';

/** What the send-time re-check decides on: the campaign's rules, the order's status, suppression and the DB clock, now. */
export type RecheckRow = Pick<
  Campaign,
  'enabled' | 'trigger_statuses' | 'delay_days' | 'send_window' | 'criteria' | 'frequency_cap_days' | 'send_late_days' | 'cancel_statuses'
> & { order_status: string | null; suppressed: SqlBool; db_now: Date };

export type SendContext = {
  leaseHeld: boolean;
  suppressed: boolean;
  completed: boolean;
  tenant: { id: number; slug: string; name: string };
  campaign: { id: number; slug: string; name: string; enabled: boolean; template: Record<string, unknown>; expiryDays: number };
  /** The campaign's destination entry the invitation goes to (its url, secret, api key), if any. */
  destination: Record<string, unknown> | undefined;
  /** Undefined when the campaign is not the invitation's tenant's (it cannot be, by the schema). */
  recheck: RecheckRow | undefined;
};

export type SendContextKey = { invitationId: number; leaseToken: string };

type Row = RecheckRow & {
  id: number;
  lease_held: boolean;
  completed: boolean;
  tenant_id: number;
  tenant_slug: string;
  tenant_name: string;
  campaign_id: number;
  campaign_slug: string;
  campaign_name: string;
  campaign_of_tenant: boolean;
  template: Record<string, unknown> | null;
  expiry_days: number;
  destinations: unknown;
  destination: string;
};

export async function readSendContext(db: Kysely<Database>, invitationId: number, leaseToken: string): Promise<SendContext | undefined> {
  return (await readSendContexts(db, [{ invitationId, leaseToken }]))[0];
}

/** One answer per key, in order; undefined for an invitation that does not exist. */
export async function readSendContexts(db: Kysely<Database>, keys: readonly SendContextKey[]): Promise<(SendContext | undefined)[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<Row>`${prepared}
    SELECT i.id, (i.state = 'sending' AND i.lease_token = k.lease_token) AS lease_held,
           EXISTS (SELECT 1 FROM suppressions s WHERE s.tenant_id = i.tenant_id AND s.email_norm = i.email_norm) AS suppressed,
           (i.completed_at IS NOT NULL) AS completed,
           t.id AS tenant_id, t.slug AS tenant_slug, t.name AS tenant_name,
           c.id AS campaign_id, c.slug AS campaign_slug, c.name AS campaign_name, c.template, c.expiry_days,
           c.destinations, i.destination, (c.tenant_id = i.tenant_id) AS campaign_of_tenant,
           c.enabled, c.trigger_statuses, c.delay_days, c.send_window, c.criteria, c.frequency_cap_days, c.send_late_days, c.cancel_statuses,
           (SELECT o.status FROM orders o WHERE o.id = i.order_id AND o.tenant_id = i.tenant_id) AS order_status,
           now() AS db_now
    FROM unnest(${opaque(keys.map((k) => k.invitationId), 'bigint[]')}, ${opaque(keys.map((k) => k.leaseToken), 'uuid[]')}) AS k(id, lease_token)
    JOIN invitations i ON i.id = k.id
    JOIN tenants t ON t.id = i.tenant_id
    JOIN campaigns c ON c.id = i.campaign_id`.execute(db);
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  return keys.map(({ invitationId }) => {
    const r = byId.get(invitationId);
    if (!r) return undefined;
    return {
      leaseHeld: r.lease_held === true,
      suppressed: r.suppressed === true,
      completed: r.completed,
      tenant: { id: r.tenant_id, slug: r.tenant_slug, name: r.tenant_name },
      campaign: { id: r.campaign_id, slug: r.campaign_slug, name: r.campaign_name, enabled: r.enabled, template: r.template ?? {}, expiryDays: r.expiry_days },
      destination: destinationEntry(r.destinations, r.destination),
      recheck: r.campaign_of_tenant ? recheckRow(r) : undefined,
    };
  });
}

function recheckRow(r: Row): RecheckRow {
  const { enabled, trigger_statuses, delay_days, send_window, criteria, frequency_cap_days, send_late_days, cancel_statuses, order_status, suppressed, db_now } = r;
  return { enabled, trigger_statuses, delay_days, send_window, criteria, frequency_cap_days, send_late_days, cancel_statuses, order_status, suppressed, db_now };
}

/** The invitation's `destination` column names the campaign's entry by type (app/destination-for.ts). */
function destinationEntry(destinations: unknown, type: string): Record<string, unknown> | undefined {
  if (!Array.isArray(destinations)) return undefined;
  return destinations.find((d): d is Record<string, unknown> => typeof d === 'object' && d !== null && (d as { type?: unknown }).type === type);
}
