/**
 * Delivers one claimed invitation (DESIGN §3 and §7):
 *
 * 1. re-check at send time in one short read (lease still ours? suppressed now? campaign disabled?
 *    review already written through the link? do the order and the campaign's rules still allow it —
 *    recheck-invitation.ts) → skip with the reason instead of sending;
 * 2. make sure the lease outlives the call by local monotonic time (renew it, fenced, when the
 *    invitation waited in the worker) and give the channel an AbortSignal that fires before the lease
 *    ends — so no other worker can take the invitation over while this call may still deliver it;
 * 3. call the channel with NO transaction open (every statement here autocommits);
 * 4. classify (DeliveryError kind; anything else thrown counts as transient) and record the outcome
 *    with a fenced update: a lost lease changes nothing and is logged, never thrown. A Retry-After
 *    also pauses the tenant's rate key (block-rate-key.ts).
 */
import type { Kysely } from 'kysely';
import { maskEmail, type Logger } from '../logger.ts';
import type { Database } from '../db/schema.ts';
import type { ClaimedInvitation } from '../db/queue/claim-invitations.ts';
import { blockRateKey } from '../db/queue/block-rate-key.ts';
import { failInvitation } from '../db/queue/fail-invitation.ts';
import { markSent } from '../db/queue/mark-sent.ts';
import { readSendContext } from '../db/queue/read-send-context.ts';
import { releaseLeases } from '../db/queue/release-leases.ts';
import { renewLease } from '../db/queue/renew-lease.ts';
import { rescheduleInvitation } from '../db/queue/reschedule-invitation.ts';
import { skipClaimedInvitation } from '../db/queue/skip-claimed-invitation.ts';
import { decideAfterFailure } from '../domain/delivery-policy.ts';
import type { AttemptOutcome } from '../domain/glossary.ts';
import type { ReasonCode } from '../domain/reason-codes.ts';
import { reviewUrl, unsubscribeUrl } from './invitation-view.ts';
import { createDeadlineSignals, type DeadlineSignals } from './deadline-signals.ts';
import type { DeliveryBatches } from './delivery-batches.ts';
import { recheckWithFacts } from './recheck-invitation.ts';
import { DeliveryError, type Channel, type DeliveryContext, type DeliveryReceipt, type DeliveryRequest, type LinkTokens } from './ports.ts';

export type DeliveryDeps = {
  db: Kysely<Database>;
  logger: Logger;
  links: LinkTokens;
  publicUrl: string;
  channels: { get(id: string): Channel | undefined };
  leaseMs: number;
  maxAttempts: number;
  /** Monotonic milliseconds; performance.now() unless a test pins it. */
  monotonicNow?: () => number;
  /** The worker's shared statements (delivery-batches.ts); without them every call reads and records alone. */
  batches?: DeliveryBatches;
};

export type DeliveryResult = 'sent' | 'retry' | 'failed' | 'skipped' | 'released' | 'lease_lost';

export type DeliveryOutcome = {
  result: DeliveryResult;
  /** How the attempt ended as far as the channel is concerned (null when it was never called). */
  attemptOutcome: AttemptOutcome | null;
  channel: string;
  durationMs: number;
};

/** Time kept free at the end of a lease for recording the outcome before the sweeper may act. */
function leaseMarginMs(leaseMs: number): number {
  return Math.min(5000, Math.max(250, leaseMs / 10));
}

/** A channel that ignores its AbortSignal this long is given up on; what it did is unknown. */
const STUCK_CHANNEL_GRACE_MS = 1000;

export type DeliveryOptions = {
  /** A stopping worker aborts it: calls in flight are aborted, not yet started ones released. */
  shutdown?: AbortSignal;
  /** The worker's shared deadline signals (deadline-signals.ts), built over the same shutdown signal. */
  deadlineSignals?: DeadlineSignals;
};

export async function deliverInvitation(deps: DeliveryDeps, claimed: ClaimedInvitation, options: DeliveryOptions = {}): Promise<DeliveryOutcome> {
  const now = deps.monotonicNow ?? (() => performance.now());
  const { invitation: inv, leaseToken, attempt } = claimed;
  const log = deps.logger.child({ invitation: inv.id, tenant: inv.tenant_id, attempt });
  const ids = { invitationId: inv.id, leaseToken, attempt };
  const outcome = (result: DeliveryResult, attemptOutcome: AttemptOutcome | null, durationMs = 0): DeliveryOutcome => ({
    result,
    attemptOutcome,
    channel: inv.channel,
    durationMs,
  });

  const context = deps.batches ? await deps.batches.readSendContext({ invitationId: inv.id, leaseToken }) : await readSendContext(deps.db, inv.id, leaseToken);
  if (!context?.leaseHeld) {
    log.warn('lease lost before sending: another worker or the sweeper has the invitation; not sending');
    return outcome('lease_lost', null);
  }
  const skipReason: ReasonCode | undefined = context.suppressed
    ? 'suppressed'
    : !context.campaign.enabled
      ? 'campaign_disabled'
      : context.completed
        ? 'review_completed'
        : // The order and campaign rules at send time (issue 4): ended order, excluded status, cap, catch-up.
          (await recheckWithFacts(deps.db, inv, context.recheck))?.reason;
  if (skipReason) {
    const applied = await persist(log, () => skipClaimedInvitation(deps.db, log, { ...ids, reasonCode: skipReason }));
    log.info({ reason: skipReason }, 'skipped at send time');
    return outcome(applied ? 'skipped' : 'lease_lost', 'skipped');
  }

  const settleFailure = async (failure: DeliveryError, durationMs: number): Promise<DeliveryOutcome> => {
    const error = failure.message;
    const decision = decideAfterFailure({
      kind: failure.kind,
      attempt,
      maxAttempts: deps.maxAttempts,
      uncertainAttempts: inv.uncertain_attempts,
      retryAfterMs: failure.retryAfterMs,
      reasonCode: failure.reasonCode,
    });
    log.warn({ kind: failure.kind, decision: decision.action, error: redactEmails(error) }, 'delivery attempt failed');
    if (failure.kind === 'transient' && failure.retryAfterMs !== undefined) {
      // The provider asked the tenant's account to wait: the tenant's other invitations on this
      // channel wait too (rate_limits.blocked_until), other tenants carry on. Recorded even when our
      // lease is gone: it is a fact about the provider, not about this invitation.
      const retryAfterMs = failure.retryAfterMs;
      const until = await persist(log, () => blockRateKey(deps.db, { tenantId: inv.tenant_id, key: inv.channel, retryAfterMs }));
      log.warn({ rateKey: inv.channel, blockedUntil: until.toISOString() }, 'provider asked to retry later: rate key paused for this tenant');
    }
    if (decision.action === 'retry') {
      const applied = await persist(log, () =>
        rescheduleInvitation(deps.db, log, { ...ids, outcome: failure.kind === 'uncertain' ? 'uncertain' : 'transient', delayMs: decision.delayMs, error, durationMs }),
      );
      return outcome(applied ? 'retry' : 'lease_lost', failure.kind, durationMs);
    }
    const applied = await persist(log, () => failInvitation(deps.db, log, { ...ids, outcome: failure.kind, reasonCode: decision.reasonCode, error, durationMs }));
    return outcome(applied ? 'failed' : 'lease_lost', failure.kind, durationMs);
  };

  const channel = deps.channels.get(inv.channel);
  if (!channel) return settleFailure(new DeliveryError('transient', `no "${inv.channel}" channel is configured in this worker`), 0);

  const margin = leaseMarginMs(deps.leaseMs);
  let deadline = claimed.claimedAtMs + deps.leaseMs;
  if (deadline - now() - margin < deps.leaseMs / 2) {
    const before = now();
    if (!(await renewLease(deps.db, { invitationId: inv.id, leaseToken, leaseMs: deps.leaseMs }))) {
      log.warn('lease lost before sending: it ran out while the invitation waited; not sending');
      return outcome('lease_lost', null);
    }
    deadline = before + deps.leaseMs;
  }
  if (options.shutdown?.aborted) {
    await persist(log, () => releaseLeases(deps.db, [leaseToken]));
    return outcome('released', 'released');
  }

  const request: DeliveryRequest = {
    invitation: inv,
    tenant: context.tenant,
    campaign: { id: context.campaign.id, slug: context.campaign.slug, name: context.campaign.name, template: context.campaign.template, expiryDays: context.campaign.expiryDays },
    destination: context.destination,
    reviewUrl: reviewUrl(deps, inv),
    unsubscribeUrl: unsubscribeUrl(deps, inv.id),
  };
  const abortAt = deadline - margin;
  const signal = (options.deadlineSignals ?? createDeadlineSignals(options.shutdown, now))(abortAt);
  const callStart = now();
  let receipt: DeliveryReceipt | undefined;
  let failure: DeliveryError | undefined;
  try {
    receipt = await callChannel(channel, request, { logger: log, signal, attempt });
  } catch (err) {
    failure = asDeliveryError(err);
  }
  const durationMs = now() - callStart;

  if (receipt) {
    const providerRef = receipt.providerRef ?? null;
    const sent = { ...ids, providerRef, durationMs };
    const applied = await persist(log, () => (deps.batches ? deps.batches.markSent(sent) : markSent(deps.db, log, sent)));
    if (applied) log.info({ durationMs: Math.round(durationMs) }, 'invitation sent');
    return outcome(applied ? 'sent' : 'lease_lost', 'sent', durationMs);
  }
  const failed = failure ?? new DeliveryError('transient', 'the channel returned no receipt');
  if (failed.kind === 'transient' && options.shutdown?.aborted && now() < abortAt) {
    // Stopped on purpose before anything went out: back in line at once, no backoff, no failure counted.
    await persist(log, () => releaseLeases(deps.db, [leaseToken], `released by a stopping worker: ${failed.message}`));
    return outcome('released', 'released', durationMs);
  }
  return settleFailure(failed, durationMs);
}

/** Races the channel against its signal plus a grace period, so a channel that ignores aborts cannot hold the worker. */
async function callChannel(channel: Channel, request: DeliveryRequest, ctx: DeliveryContext): Promise<DeliveryReceipt> {
  const call = channel.deliver(request, ctx);
  call.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stuck = new Promise<never>((_, reject) => {
    onAbort = () => {
      timer = setTimeout(() => reject(new DeliveryError('uncertain', 'the channel did not stop when its time was up')), STUCK_CHANNEL_GRACE_MS);
    };
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([call, stuck]);
  } finally {
    clearTimeout(timer);
    if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
  }
}

function asDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const message = err instanceof Error ? err.message : `non-error thrown: ${String(err)}`;
  return new DeliveryError('transient', message || 'unknown error', { cause: err });
}

/** The database may be restarting: retry an outcome write briefly; if it still fails, the sweeper covers it. */
async function persist<T>(log: Logger, write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= 3) throw err;
      log.warn({ err }, 'recording the delivery outcome failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, 250 * 4 ** (attempt - 1)));
    }
  }
}

/** Provider replies quote the recipient ("550 <jane@example.com> unknown"); logs must not carry it. */
function redactEmails(text: string): string {
  return text.replace(/[^\s<>()[\]",;:]+@[^\s<>()[\]",;:]+/g, (m) => maskEmail(m));
}
