/** Fenced: a permanent failure, attempts exhausted, or too many uncertain attempts → failed with a reason code. */
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../../logger.ts';
import type { ReasonCode } from '../../domain/reason-codes.ts';
import type { Database } from '../schema.ts';
import { recordFencedOutcome, truncateError } from './record-fenced-outcome.ts';

export type Fail = {
  invitationId: number;
  leaseToken: string;
  attempt: number;
  outcome: 'transient' | 'permanent' | 'uncertain';
  reasonCode: ReasonCode;
  error: string;
  durationMs: number;
};

export function failInvitation(db: Kysely<Database>, logger: Logger, input: Fail): Promise<boolean> {
  const error = truncateError(input.error);
  return recordFencedOutcome(db, logger, {
    invitationId: input.invitationId,
    leaseToken: input.leaseToken,
    set: sql`state = 'failed', reason_code = ${input.reasonCode}, last_error = ${error},
      uncertain_attempts = uncertain_attempts + ${input.outcome === 'uncertain' ? 1 : 0}`,
    attempt: { outcome: input.outcome, error, durationMs: input.durationMs },
    event: { type: 'failed', data: { attempt: input.attempt, outcome: input.outcome, reason_code: input.reasonCode, error } },
  });
}
