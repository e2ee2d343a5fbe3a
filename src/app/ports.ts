/**
 * The contracts adapters implement. Use cases depend on these, never on a concrete adapter.
 */
import type { Kysely } from 'kysely';
import type { Logger } from '../logger.ts';
import type { Database, Invitation } from '../db/schema.ts';
import type { RateLimit } from '../domain/rate-limit.ts';
import type { ReasonCode } from '../domain/reason-codes.ts';

/** Time is injected so tests move it instead of sleeping. Lease and schedule comparisons use the DB clock. */
export type Clock = { now(): Date };
export const systemClock: Clock = { now: () => new Date() };

/** What a use case needs from the outside world. Built once in main.ts. */
export type AppDeps = {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  links: LinkTokens;
  publicUrl: string;
  /** Called after an invitation becomes due now, so an in-process worker wakes without waiting for its poll. */
  wakeWorker: () => void;
};

/** Review and unsubscribe links: tokens derived from a server secret, so only their hashes are stored. */
export type LinkTokens = {
  /** ≥ 256-bit token for the review link of the invitation with this natural key. */
  reviewToken(key: { tenantId: number; campaignId: number; orderRef: string }): string;
  hashToken(token: string): Buffer;
  unsubscribeToken(invitationId: number): string;
  /** The invitation id an unsubscribe token was made for, or undefined if it was not made by us. */
  verifyUnsubscribeToken(token: string): number | undefined;
};

/** The invitation as a channel sees it, with everything needed to build the message. */
export type DeliveryRequest = {
  invitation: Invitation;
  tenant: { id: number; slug: string; name: string };
  campaign: { id: number; slug: string; name: string; template: Record<string, unknown>; expiryDays: number };
  /** The campaign's destination entry for this channel (e.g. `{type: 'webhook', url, secret}`), if any. */
  destination?: Record<string, unknown> | undefined;
  reviewUrl: string;
  unsubscribeUrl: string;
};

export type DeliveryReceipt = { providerRef?: string | undefined; detail?: string | undefined };

export type DeliveryContext = { logger: Logger; signal: AbortSignal; attempt: number };

/**
 * A delivery channel: `deliver` resolves with a receipt when the invitation was handed over,
 * or throws a DeliveryError that says whether trying again can help.
 */
export type Channel = {
  readonly id: string;
  /**
   * The provider's published limit per account, applied per tenant to this channel's rate key unless
   * the tenant overrides it (GET/PUT /api/v1/rate-limits). Absent = unlimited unless overridden.
   */
  readonly rateLimit?: RateLimit;
  deliver(request: DeliveryRequest, ctx: DeliveryContext): Promise<DeliveryReceipt>;
  close?(): Promise<void>;
};

export type DeliveryFailureKind = 'transient' | 'permanent' | 'uncertain';

export class DeliveryError extends Error {
  override name = 'DeliveryError';
  readonly kind: DeliveryFailureKind;
  readonly retryAfterMs: number | undefined;
  /** Why a permanent failure failed, when the channel knows better than `permanent_failure`. */
  readonly reasonCode: ReasonCode | undefined;
  constructor(kind: DeliveryFailureKind, message: string, options: { retryAfterMs?: number; cause?: unknown; reasonCode?: ReasonCode } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
    this.reasonCode = options.reasonCode;
  }
}
