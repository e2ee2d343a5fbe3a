/**
 * Which clock an invitation's send window and delay are read on. The customer's zone comes first
 * because the point of a window is the hour at which the recipient reads mail; the store's is the best
 * guess when a platform does not report the customer's, the tenant's is the last resort. (A window
 * pinned to a zone, `SendWindow.timezone`, overrides all three where the window is applied.)
 *
 * Zones arrive from webhooks and imports, so an unknown one is passed over, never thrown on.
 */
import { isTimeZone } from './wall-clock.ts';

export type TimeZoneSources = {
  customer?: string | null | undefined;
  store?: string | null | undefined;
  tenant?: string | null | undefined;
};

export function sendTimeZone(sources: TimeZoneSources): string {
  for (const zone of [sources.customer, sources.store, sources.tenant]) {
    if (isTimeZone(zone)) return zone;
  }
  // tenants.timezone defaults to UTC in the schema; the same holds when every source is unusable.
  return 'UTC';
}
