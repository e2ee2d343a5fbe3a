/**
 * The catch-up rule: after downtime, due invitations still go out, oldest first, unless they are more
 * than the campaign's `sendLateDays` (of 24 h) past their scheduled time — then they are skipped with
 * reason `missed_window`, because a review request weeks late reads as a mistake. A campaign without
 * `sendLateDays` always sends late. Exactly `sendLateDays` late still sends.
 */
import { DAY_MS } from './wall-clock.ts';

export function isMissedWindow(scheduledAt: Date, now: Date, sendLateDays: number | undefined): boolean {
  if (sendLateDays === undefined) return false;
  return now.getTime() - scheduledAt.getTime() > sendLateDays * DAY_MS;
}
