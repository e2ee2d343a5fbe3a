/** Fenced: the channel accepted the invitation. Stamps sent_at and the review link's expiry (campaign.expiry_days). */
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../../logger.ts';
import type { Database } from '../schema.ts';
import { recordFencedOutcome } from './record-fenced-outcome.ts';

export type MarkSent = { invitationId: number; leaseToken: string; attempt: number; providerRef: string | null; durationMs: number };

export function markSent(db: Kysely<Database>, logger: Logger, input: MarkSent): Promise<boolean> {
  return recordFencedOutcome(db, logger, {
    invitationId: input.invitationId,
    leaseToken: input.leaseToken,
    set: sql`state = 'sent', sent_at = now(),
      expires_at = now() + (SELECT c.expiry_days FROM campaigns c WHERE c.id = invitations.campaign_id) * interval '1 day',
      provider_ref = ${input.providerRef}, reason_code = NULL, last_error = NULL`,
    attempt: { outcome: 'sent', providerRef: input.providerRef, durationMs: input.durationMs },
    event: { type: 'sent', data: { attempt: input.attempt, provider_ref: input.providerRef } },
  });
}
