/**
 * Skip, push now, or reschedule every pending invitation a grid filter matches. Works through them in
 * id order, BATCH_SIZE rows per statement, each batch its own short transaction: a bulk action over
 * 100,000 invitations never holds 100,000 row locks, never blocks the worker for long, and what it
 * has done stays done if the request dies halfway. Invitations that are not pending are counted as
 * matched and left alone.
 */
import { sql } from 'kysely';
import { AppError, validationError, type FieldError } from '../errors.ts';
import { changePendingInvitations, type QueueAction } from './change-pending-invitations.ts';
import { applyInvitationFilter, gridSource, invitationFilterKeys, parseInstant, resolveInvitationFilter, type InvitationFilterInput } from './invitation-filter.ts';
import type { AppDeps } from './ports.ts';

export const bulkActions = ['skip', 'push', 'reschedule'] as const;

export type BulkActionInput = {
  action: string;
  filter: InvitationFilterInput;
  scheduled_at?: string | undefined;
  reason?: string | undefined;
};

export type BulkActionResult = { matched: number; changed: number };

export const BATCH_SIZE = 1000;
export const MAX_NOTE = 500;

/** The action the input asks for, or a 400 naming every bad field. */
export function parseQueueAction(input: { action: string; scheduled_at?: string | undefined; reason?: string | undefined }, fields: FieldError[]): QueueAction | undefined {
  if (input.reason !== undefined && (input.reason.length > MAX_NOTE || /[\u0000-\u0008\u000B-\u001F\u007F]/.test(input.reason))) {
    fields.push({ field: 'reason', message: `must be at most ${MAX_NOTE} characters` });
  }
  if (input.action !== 'reschedule' && input.scheduled_at !== undefined) fields.push({ field: 'scheduled_at', message: 'only goes with action "reschedule"' });
  if (input.action !== 'skip' && input.reason !== undefined) fields.push({ field: 'reason', message: 'only goes with action "skip"' });
  switch (input.action) {
    case 'skip':
      return { kind: 'skip', note: input.reason?.trim() || undefined };
    case 'push':
      return { kind: 'push' };
    case 'reschedule': {
      const at = input.scheduled_at === undefined ? undefined : parseInstant(input.scheduled_at);
      if (at === undefined) fields.push({ field: 'scheduled_at', message: 'is required: an ISO 8601 date-time with a time zone, like 2026-12-01T09:00:00Z' });
      return at === undefined ? undefined : { kind: 'reschedule', scheduledAt: at };
    }
    default:
      fields.push({ field: 'action', message: `must be one of ${bulkActions.join(', ')}` });
      return undefined;
  }
}

export async function bulkInvitationAction(deps: AppDeps, tenantId: number, input: BulkActionInput): Promise<BulkActionResult> {
  const fields: FieldError[] = [];
  const action = parseQueueAction(input, fields);
  // An empty filter would act on the whole queue; that has to be asked for explicitly.
  if (!invitationFilterKeys.some((k) => input.filter[k] !== undefined)) {
    fields.push({ field: 'filter', message: 'must name at least one criterion (to act on every pending invitation: {"status": "pending"})' });
  }
  const filter = await resolveInvitationFilter(deps.db, tenantId, input.filter, 'filter.').catch((err: unknown) => {
    if (err instanceof AppError && err.fields !== undefined) fields.push(...err.fields);
    else throw err;
    return undefined;
  });
  if (fields.length > 0 || action === undefined || filter === undefined) throw validationError(fields);

  const now = deps.clock.now();
  const matchedRow = await applyInvitationFilter(gridSource(deps.db), tenantId, filter, now)
    .select(sql<number>`count(*)::int`.as('n'))
    .executeTakeFirstOrThrow();
  let changed = 0;
  let lastId = 0;
  for (;;) {
    const batch = await applyInvitationFilter(gridSource(deps.db), tenantId, filter, now)
      .select('i.id')
      .where('i.state', '=', 'pending')
      .where('i.id', '>', lastId)
      .orderBy('i.id')
      .limit(BATCH_SIZE)
      .execute();
    if (batch.length === 0) break;
    lastId = batch.at(-1)!.id;
    const ids = batch.map((b) => b.id);
    const done = await changePendingInvitations(deps.db, tenantId, sql<{ id: number }>`SELECT unnest(${ids}::bigint[])`, action, now);
    changed += done.length;
    if (batch.length < BATCH_SIZE) break;
  }
  if (changed > 0 && action.kind !== 'skip') deps.wakeWorker();
  deps.logger.info({ tenant: tenantId, action: action.kind, matched: matchedRow.n, changed }, 'bulk queue action');
  return { matched: matchedRow.n, changed };
}
