/**
 * What becomes of an invitation after a delivery attempt that did not end in `sent`. Pure rules, so
 * the worker, the sweeper and the tests agree on them.
 *
 * - permanent: the channel said no for good → failed (with the channel's reason, else permanent_failure);
 * - uncertain: the provider may have accepted it (SMTP connection lost after the end of DATA, RFC 1047)
 *   → retried like a transient failure (at-least-once), but counted; the second uncertain attempt ends
 *   the invitation as failed/delivery_uncertain, so a relay that accepts and then always drops the
 *   connection cannot mail one customer up to maxAttempts times;
 * - transient → pending again after a jittered exponential backoff (Retry-After honoured), until the
 *   attempts are exhausted.
 */
import { retryDelayMs } from './backoff.ts';
import type { ReasonCode } from './reason-codes.ts';

export type FailureKind = 'transient' | 'permanent' | 'uncertain';

/** At most this many attempts of one invitation may end with an unknown outcome. */
export const maxUncertainAttempts = 2;

export type AfterFailure = { action: 'retry'; delayMs: number } | { action: 'fail'; reasonCode: ReasonCode };

export type FailedAttempt = {
  kind: FailureKind;
  /** Number of the attempt that just ended (1 = first). */
  attempt: number;
  maxAttempts: number;
  /** Uncertain attempts recorded on the invitation before this one. */
  uncertainAttempts: number;
  retryAfterMs?: number | undefined;
  reasonCode?: ReasonCode | undefined;
  /** In [0, 1); tests pin the jitter. */
  random?: number | undefined;
};

export function decideAfterFailure(failed: FailedAttempt): AfterFailure {
  if (failed.kind === 'permanent') return { action: 'fail', reasonCode: failed.reasonCode ?? 'permanent_failure' };
  if (failed.kind === 'uncertain' && failed.uncertainAttempts + 1 >= maxUncertainAttempts) {
    return { action: 'fail', reasonCode: 'delivery_uncertain' };
  }
  if (failed.attempt >= failed.maxAttempts) return { action: 'fail', reasonCode: 'attempts_exhausted' };
  return { action: 'retry', delayMs: retryDelayMs(failed.attempt, failed.retryAfterMs, undefined, failed.random) };
}
