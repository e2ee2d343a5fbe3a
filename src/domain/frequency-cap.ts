/**
 * The per-customer frequency cap: at most one invitation per `capDays` days (of 24 h) across the
 * tenant's campaigns. Measured as the distance between two invitations' send times in either
 * direction, so a pending invitation of another campaign scheduled for next week caps a new one just
 * as a sent one from last week does. Exactly `capDays` apart is allowed.
 */
import { DAY_MS } from './wall-clock.ts';

export function isWithinFrequencyCap(lastInvitedAt: Date | undefined, at: Date, capDays: number | undefined): boolean {
  if (lastInvitedAt === undefined || capDays === undefined) return false;
  return Math.abs(at.getTime() - lastInvitedAt.getTime()) < capDays * DAY_MS;
}
