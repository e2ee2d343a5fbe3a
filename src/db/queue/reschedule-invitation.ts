/**
 * Fenced: a transient (or uncertain) failure → pending again at now() + delay. An uncertain attempt is
 * counted on the invitation, so a possible duplicate stays explainable (invariant I4, invariants.md).
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../../logger.ts';
import type { Database } from '../schema.ts';
import { recordFencedOutcome, truncateError } from './record-fenced-outcome.ts';

export type Reschedule = {
  invitationId: number;
  leaseToken: string;
  attempt: number;
  outcome: 'transient' | 'uncertain';
  delayMs: number;
  error: string;
  durationMs: number;
};

export function rescheduleInvitation(db: Kysely<Database>, logger: Logger, input: Reschedule): Promise<boolean> {
  const error = truncateError(input.error);
  const delayMs = Math.max(0, Math.round(input.delayMs));
  return recordFencedOutcome(db, logger, {
    invitationId: input.invitationId,
    leaseToken: input.leaseToken,
    set: sql`state = 'pending', scheduled_at = now() + ${delayMs} * interval '1 millisecond', last_error = ${error},
      uncertain_attempts = uncertain_attempts + ${input.outcome === 'uncertain' ? 1 : 0}`,
    attempt: { outcome: input.outcome, error, durationMs: input.durationMs },
    event: { type: 'retry_scheduled', data: { attempt: input.attempt, outcome: input.outcome, error, delay_ms: delayMs } },
  });
}
