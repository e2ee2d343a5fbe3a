/**
 * Invitations as the customer pages meet them. Created through createInvitation; "sent" is simulated
 * by stamping the row the way the worker does (state, sent_at, expires_at), since delivery is not
 * what these tests are about.
 */
import { createInvitation, type CreateInvitationInput } from '../../src/app/create-invitation.ts';
import type { TestServices } from '../helpers/test-services.ts';

export type PageInvitation = { id: number; token: string; reviewPath: string; unsubscribePath: string };

const DAY_MS = 24 * 60 * 60 * 1000;

export async function pendingInvitation(s: TestServices, tenantId: number, input: CreateInvitationInput): Promise<PageInvitation> {
  const { invitation } = await createInvitation(s.deps, tenantId, input);
  const url = new URL(invitation.review_url);
  const token = url.pathname.slice('/r/'.length);
  return { id: invitation.id, token, reviewPath: url.pathname, unsubscribePath: `/u/${s.deps.links.unsubscribeToken(invitation.id)}` };
}

export async function sentInvitation(
  s: TestServices,
  tenantId: number,
  input: CreateInvitationInput,
  options: { expiresInDays?: number } = {},
): Promise<PageInvitation> {
  const inv = await pendingInvitation(s, tenantId, input);
  const now = s.deps.clock.now();
  await s.deps.db
    .updateTable('invitations')
    .set({ state: 'sent', sent_at: now, attempts: 1, expires_at: new Date(now.getTime() + (options.expiresInDays ?? 30) * DAY_MS), updated_at: now })
    .where('id', '=', inv.id)
    .execute();
  return inv;
}

export async function invitationRow(s: TestServices, id: number) {
  return s.deps.db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export async function eventTypes(s: TestServices, id: number): Promise<string[]> {
  const rows = await s.deps.db.selectFrom('invitation_events').select('type').where('invitation_id', '=', id).orderBy('id').execute();
  return rows.map((r) => r.type);
}
