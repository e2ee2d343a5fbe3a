/** An order's invitations as the answer to an order write lists them (read by read-schedule-facts.ts). */

export type OrderInvitationSummary = {
  id: number;
  campaign: string;
  campaign_id: number;
  scheduled_at: string;
  state: string;
  reason_code: string | null;
  /** Created by this call. */
  new: boolean;
};

export type OrderInvitationRow = { id: number; campaign_id: number; order_id: number | null; order_ref: string; scheduled_at: Date; state: string; reason_code: string | null };

export function invitationSummary(row: OrderInvitationRow, campaignSlug: string, isNew: boolean): OrderInvitationSummary {
  return {
    id: row.id,
    campaign: campaignSlug,
    campaign_id: row.campaign_id,
    scheduled_at: row.scheduled_at.toISOString(),
    state: row.state,
    reason_code: row.reason_code,
    new: isNew,
  };
}
