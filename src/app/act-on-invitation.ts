/**
 * Skip, push now, or reschedule one invitation from the queue grid. Only a pending invitation can be
 * changed; anything else is a 409 that says why (a `sending` one is in the worker's hands — it will be
 * sent or fail on its own, and changing it would break the lease fencing), and another tenant's id is
 * the same 404 as an id that does not exist.
 */
import { sql } from 'kysely';
import { AppError, notFound } from '../errors.ts';
import { changePendingInvitations, type QueueAction } from './change-pending-invitations.ts';
import { invitationView, type InvitationView } from './invitation-view.ts';
import type { AppDeps } from './ports.ts';

const verb = { skip: 'skipped', push: 'pushed', reschedule: 'rescheduled' } as const;

function conflict(state: string, action: QueueAction): AppError {
  const what = `The invitation cannot be ${verb[action.kind]}`;
  if (state === 'sending') return new AppError('invalid_state', `${what}: a worker is sending it right now; it will end as sent, failed or back in the queue`);
  return new AppError('invalid_state', `${what}: it is already ${state}; only pending invitations can be changed`);
}

export async function actOnInvitation(deps: AppDeps, tenantId: number, invitationId: number, action: QueueAction): Promise<InvitationView> {
  const now = deps.clock.now();
  const changed = await changePendingInvitations(deps.db, tenantId, sql<{ id: number }>`${invitationId}::bigint`, action, now);
  const row = await deps.db.selectFrom('invitations').selectAll().where('tenant_id', '=', tenantId).where('id', '=', invitationId).executeTakeFirst();
  if (!row) throw notFound('Invitation');
  if (changed.length === 0) throw conflict(row.state, action);
  if (row.state === 'pending' && row.scheduled_at.getTime() <= now.getTime()) deps.wakeWorker();
  deps.logger.info({ tenant: tenantId, invitation: invitationId, action: action.kind }, `invitation ${verb[action.kind]}`);
  return invitationView(deps, row);
}
