/** Fenced: the channel accepted the invitation. Stamps sent_at and the review link's expiry (campaign.expiry_days). */
import type { Kysely } from 'kysely';
import type { Logger } from '../../logger.ts';
import type { Database } from '../schema.ts';
import { markInvitationsSent } from './mark-invitations-sent.ts';

export type MarkSent = { invitationId: number; leaseToken: string; attempt: number; providerRef: string | null; durationMs: number };

/** A batch of one (mark-invitations-sent.ts holds the statement). */
export async function markSent(db: Kysely<Database>, logger: Logger, input: MarkSent): Promise<boolean> {
  return (await markInvitationsSent(db, logger, [input]))[0]!;
}
