/**
 * One invitation as its tenant sees it: the view, its timeline (invitation_events, oldest first) and
 * every delivery attempt. Another tenant's id is indistinguishable from one that does not exist.
 */
import { notFound } from '../errors.ts';
import { invitationView, type InvitationView } from './invitation-view.ts';
import type { AppDeps } from './ports.ts';

export type TimelineEntry = { type: string; at: string; data: Record<string, unknown> | null };

export type AttemptView = {
  attempt: number;
  started_at: string;
  finished_at: string | null;
  outcome: string | null;
  error: string | null;
  duration_ms: number | null;
};

/** `attempts` is the list of tries here; the view's counter of the same name moves to attempt_count. */
export type InvitationDetail = Omit<InvitationView, 'attempts'> & { attempt_count: number; timeline: TimelineEntry[]; attempts: AttemptView[] };

export async function getInvitation(deps: Pick<AppDeps, 'db' | 'links' | 'publicUrl'>, tenantId: number, invitationId: number): Promise<InvitationDetail> {
  const row = await deps.db.selectFrom('invitations').selectAll().where('tenant_id', '=', tenantId).where('id', '=', invitationId).executeTakeFirst();
  if (!row) throw notFound('Invitation');
  const [events, attempts] = await Promise.all([
    deps.db
      .selectFrom('invitation_events')
      .select(['type', 'at', 'data'])
      .where('tenant_id', '=', tenantId)
      .where('invitation_id', '=', invitationId)
      .orderBy('at')
      .orderBy('id')
      .execute(),
    deps.db
      .selectFrom('delivery_attempts')
      .select(['attempt', 'started_at', 'finished_at', 'outcome', 'error', 'duration_ms'])
      .where('tenant_id', '=', tenantId)
      .where('invitation_id', '=', invitationId)
      .orderBy('attempt')
      .orderBy('id')
      .execute(),
  ]);
  const { attempts: attemptCount, ...view } = invitationView(deps, row);
  return {
    ...view,
    attempt_count: attemptCount,
    timeline: events.map((e) => ({ type: e.type, at: e.at.toISOString(), data: e.data ?? null })),
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      started_at: a.started_at.toISOString(),
      finished_at: a.finished_at === null ? null : a.finished_at.toISOString(),
      outcome: a.outcome,
      error: a.error,
      duration_ms: a.duration_ms,
    })),
  };
}
