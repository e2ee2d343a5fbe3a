/**
 * Fenced: the send-time re-check found a reason not to send (suppressed, campaign disabled, review
 * already written) → skipped with that reason; the attempt ends as `skipped`, nothing went out.
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../../logger.ts';
import type { ReasonCode } from '../../domain/reason-codes.ts';
import type { Database } from '../schema.ts';
import { recordFencedOutcome } from './record-fenced-outcome.ts';

export type SkipClaimed = { invitationId: number; leaseToken: string; attempt: number; reasonCode: ReasonCode };

export function skipClaimedInvitation(db: Kysely<Database>, logger: Logger, input: SkipClaimed): Promise<boolean> {
  return recordFencedOutcome(db, logger, {
    invitationId: input.invitationId,
    leaseToken: input.leaseToken,
    set: sql`state = 'skipped', reason_code = ${input.reasonCode}`,
    attempt: { outcome: 'skipped', error: input.reasonCode, durationMs: 0 },
    event: { type: 'skipped', data: { reason_code: input.reasonCode, attempt: input.attempt, at_send_time: true } },
  });
}
