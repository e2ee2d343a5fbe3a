/** How an invitation is shown to API clients. Internal columns (token hash, lease token) never leave. */
import type { Invitation } from '../db/schema.ts';
import type { AppDeps } from './ports.ts';

export type InvitationView = {
  id: number;
  state: string;
  reason_code: string | null;
  order_ref: string;
  campaign_id: number;
  email: string;
  name: string;
  locale: string | null;
  channel: string;
  destination: string;
  review_url: string;
  scheduled_at: string;
  sent_at: string | null;
  opened_at: string | null;
  completed_at: string | null;
  expires_at: string | null;
  expired_at: string | null;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
};

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export function reviewUrl(deps: Pick<AppDeps, 'links' | 'publicUrl'>, inv: Pick<Invitation, 'tenant_id' | 'campaign_id' | 'order_ref'>): string {
  const token = deps.links.reviewToken({ tenantId: inv.tenant_id, campaignId: inv.campaign_id, orderRef: inv.order_ref });
  return `${deps.publicUrl}/r/${token}`;
}

export function unsubscribeUrl(deps: Pick<AppDeps, 'links' | 'publicUrl'>, invitationId: number): string {
  return `${deps.publicUrl}/u/${deps.links.unsubscribeToken(invitationId)}`;
}

export function invitationView(deps: Pick<AppDeps, 'links' | 'publicUrl'>, inv: Invitation): InvitationView {
  return {
    id: inv.id,
    state: inv.state,
    reason_code: inv.reason_code,
    order_ref: inv.order_ref,
    campaign_id: inv.campaign_id,
    email: inv.email,
    name: inv.name,
    locale: inv.locale,
    channel: inv.channel,
    destination: inv.destination,
    review_url: reviewUrl(deps, inv),
    scheduled_at: inv.scheduled_at.toISOString(),
    sent_at: iso(inv.sent_at),
    opened_at: iso(inv.opened_at),
    completed_at: iso(inv.completed_at),
    expires_at: iso(inv.expires_at),
    expired_at: iso(inv.expired_at),
    attempts: inv.attempts,
    last_error: inv.last_error,
    created_at: inv.created_at.toISOString(),
    updated_at: inv.updated_at.toISOString(),
  };
}
