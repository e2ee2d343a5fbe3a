/**
 * The domain's words, defined once (../shared/DESIGN.md §2). Code uses exactly these names.
 *
 * - tenant: one business; every row belongs to exactly one tenant.
 * - api key: a tenant's secret for the REST API (`Authorization: Bearer <key>`), stored only as a hash.
 * - store: one shop of a tenant on one platform (eKomi: "purchase point").
 * - order: a purchase as the store reports it, normalized, with a status history.
 * - customer: a person (by normalized email) who ordered from a tenant.
 * - campaign: a tenant's invitation rule: trigger statuses, delay, criteria, send window, channel,
 *   destinations, template, expiry, frequency cap (eKomi: "account").
 * - destination: where the review is written: `hosted` (our form), a review-site URL, or a platform.
 * - channel: how the invitation travels: `email`, `platform`, `webhook`.
 * - invitation: one request to one customer for one order and campaign; the unit the queue schedules.
 * - attempt: one try to deliver an invitation, recorded with its outcome before and after the call.
 * - lease: a worker's time-limited claim on an invitation, identified by a lease token (the fencing token).
 *   The queue's invariants I1–I6 (what the lease, the sweeper and the send-time re-check guarantee, and
 *   the tests that prove it) are written down in src/db/queue/invariants.md.
 * - rate limit: at most max_count deliveries started per rolling window, per tenant and rate key (the
 *   channel id); a channel's default, a tenant's override, or a provider's pause (rate-limit.ts).
 * - suppression: an address that must not be invited (unsubscribed, bounced, complained, erased, manual).
 * - review: a first-party review submitted through the hosted form.
 * - reason code: the machine-readable why behind every skip, failure and non-creation.
 */

/** The queue states of an invitation. opened/completed/expired are stamped facts, not states. */
export const invitationStates = ['pending', 'sending', 'sent', 'skipped', 'failed'] as const;
export type InvitationState = (typeof invitationStates)[number];

export const terminalStates: readonly InvitationState[] = ['sent', 'skipped', 'failed'];

/** What one delivery attempt ended as. `uncertain`: the provider may have accepted it (RFC 1047 gap). */
export const attemptOutcomes = ['sent', 'transient', 'permanent', 'uncertain', 'skipped', 'released'] as const;
export type AttemptOutcome = (typeof attemptOutcomes)[number];

export const channelIds = ['email', 'platform', 'webhook'] as const;
export type ChannelId = string;
