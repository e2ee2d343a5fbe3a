/**
 * The worker's two per-delivery statements, shared by its concurrent deliveries (create-batcher.ts):
 * the send-time read (a claimed batch starts at once, so its deliveries read together) and the
 * fenced mark-sent (deliveries finishing close together record together). Each invitation keeps
 * its own answer and its own lease fence; only the round trips, plans and commits are shared.
 * Built once per worker; deliverInvitation falls back to one statement per call without it.
 */
import type { Kysely } from 'kysely';
import type { Logger } from '../logger.ts';
import type { Database } from '../db/schema.ts';
import { markInvitationsSent } from '../db/queue/mark-invitations-sent.ts';
import type { MarkSent } from '../db/queue/mark-sent.ts';
import { readSendContexts, type SendContext, type SendContextKey } from '../db/queue/read-send-context.ts';
import { createBatcher, type Batcher } from './create-batcher.ts';

export type DeliveryBatches = {
  readSendContext: Batcher<SendContextKey, SendContext | undefined>;
  markSent: Batcher<MarkSent, boolean>;
};

/** Bounds one statement's size; a worker's concurrency rarely comes near it. */
const MAX_BATCH = 100;

export function createDeliveryBatches(db: Kysely<Database>, logger: Logger): DeliveryBatches {
  return {
    readSendContext: createBatcher((keys) => readSendContexts(db, keys), { maxBatch: MAX_BATCH }),
    markSent: createBatcher((inputs) => markInvitationsSent(db, logger, inputs), { maxBatch: MAX_BATCH }),
  };
}
