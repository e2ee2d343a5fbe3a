/**
 * Retry delay after a transient failure: exponential in the attempt number, capped, with full
 * jitter over the upper half so a burst of failures does not retry in lockstep.
 */
import { maxRetryAfterMs } from './rate-limit.ts';

export type BackoffPolicy = { baseMs: number; capMs: number };

export const defaultBackoff: BackoffPolicy = { baseMs: 30_000, capMs: 6 * 60 * 60_000 };

/** `attempt` is the number of the attempt that just failed (1 = first). `random` in [0, 1). */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy = defaultBackoff, random = Math.random()): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random);
}

/** A provider's Retry-After wins when it asks for longer than our own backoff. */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, policy: BackoffPolicy = defaultBackoff, random = Math.random()): number {
  const own = backoffDelayMs(attempt, policy, random);
  return retryAfterMs === undefined ? own : Math.max(own, Math.min(retryAfterMs, maxRetryAfterMs));
}

/** Retry-After is delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns ms from `now`, or undefined. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number.parseInt(trimmed, 10) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
