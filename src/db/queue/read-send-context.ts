/**
 * The send-time re-check (DESIGN §3): one short read right before the call — is the lease still
 * ours, is the address suppressed now, is the campaign still enabled, was the review already written
 * through the link — plus what the channel needs to build the message.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export type SendContext = {
  leaseHeld: boolean;
  suppressed: boolean;
  completed: boolean;
  tenant: { id: number; slug: string; name: string };
  campaign: { id: number; slug: string; name: string; enabled: boolean; template: Record<string, unknown>; expiryDays: number };
  /** The campaign's destination entry the invitation goes to (its url, secret, api key), if any. */
  destination: Record<string, unknown> | undefined;
};

type Row = {
  lease_held: boolean;
  suppressed: boolean;
  completed: boolean;
  tenant_id: number;
  tenant_slug: string;
  tenant_name: string;
  campaign_id: number;
  campaign_slug: string;
  campaign_name: string;
  enabled: boolean;
  template: Record<string, unknown> | null;
  expiry_days: number;
  destinations: unknown;
  destination: string;
};

export async function readSendContext(db: Kysely<Database>, invitationId: number, leaseToken: string): Promise<SendContext | undefined> {
  const { rows } = await sql<Row>`
    SELECT (i.state = 'sending' AND i.lease_token = ${leaseToken}) AS lease_held,
           EXISTS (SELECT 1 FROM suppressions s WHERE s.tenant_id = i.tenant_id AND s.email_norm = i.email_norm) AS suppressed,
           (i.completed_at IS NOT NULL) AS completed,
           t.id AS tenant_id, t.slug AS tenant_slug, t.name AS tenant_name,
           c.id AS campaign_id, c.slug AS campaign_slug, c.name AS campaign_name, c.enabled, c.template, c.expiry_days,
           c.destinations, i.destination
    FROM invitations i
    JOIN tenants t ON t.id = i.tenant_id
    JOIN campaigns c ON c.id = i.campaign_id
    WHERE i.id = ${invitationId}`.execute(db);
  const r = rows[0];
  if (!r) return undefined;
  return {
    leaseHeld: r.lease_held === true,
    suppressed: r.suppressed,
    completed: r.completed,
    tenant: { id: r.tenant_id, slug: r.tenant_slug, name: r.tenant_name },
    campaign: { id: r.campaign_id, slug: r.campaign_slug, name: r.campaign_name, enabled: r.enabled, template: r.template ?? {}, expiryDays: r.expiry_days },
    destination: destinationEntry(r.destinations, r.destination),
  };
}

/** The invitation's `destination` column names the campaign's entry by type (app/destination-for.ts). */
function destinationEntry(destinations: unknown, type: string): Record<string, unknown> | undefined {
  if (!Array.isArray(destinations)) return undefined;
  return destinations.find((d): d is Record<string, unknown> => typeof d === 'object' && d !== null && (d as { type?: unknown }).type === type);
}
