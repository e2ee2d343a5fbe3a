/**
 * Whether a campaign invites for an order, and if not, the one reason code why. The checks run in a
 * fixed order (`eligibilityCheckOrder`) and the first that fails is the answer, so the same order and
 * campaign always give the same reason, and the reason is the most fundamental one: facts about the
 * campaign, then the order's lifecycle and trigger, then the campaign's criteria in the order an
 * operator thinks of them, then the customer's address, suppression and frequency cap.
 *
 * At send time the worker asks `recheckAtSendTime`: only what can have changed since scheduling and
 * must stop a send (campaign disabled, order ended or moved to an excluded status, address suppressed,
 * frequency cap, missed window). An order that has merely moved on from its trigger status (shipped →
 * delivered) is still invited: triggers are entry events, and statuses differ per platform.
 */
import type { CampaignRules, IncludeExclude } from './campaign-rules.ts';
import { customRuleData, evaluateCustomRule } from './custom-rule.ts';
import { isWithinFrequencyCap } from './frequency-cap.ts';
import { isMissedWindow } from './is-missed-window.ts';
import { isStatusIn, orderEndReason, type Order } from './order.ts';
import type { ReasonCode } from './reason-codes.ts';
import { DAY_MS } from './wall-clock.ts';

export type Eligibility = { eligible: true } | Ineligible;
export type Ineligible = { eligible: false; reason: ReasonCode; detail?: string };

export type EligibilityContext = {
  now: Date;
  /** The customer's (by normalized email) nearest other invitation of this tenant, sent or scheduled. */
  lastInvitedAt?: Date;
  suppressed: boolean;
  /** When the new invitation would go out; the frequency cap is measured from it. Defaults to `now`. */
  plannedAt?: Date;
};

/** The fixed order of `evaluateEligibility`; the three order_* codes are one check. */
export const eligibilityCheckOrder: readonly ReasonCode[] = [
  'campaign_disabled',
  'order_cancelled', 'order_refunded', 'order_failed',
  'not_trigger_status',
  'store_excluded',
  'customer_group_excluded',
  'order_status_excluded',
  'order_too_old',
  'zero_total',
  'below_min_total',
  'excluded_sku',
  'custom_condition',
  'no_email',
  'suppressed',
  'frequency_cap',
];

const ELIGIBLE: Eligibility = { eligible: true };

export function evaluateEligibility(order: Order, campaign: CampaignRules, context: EligibilityContext): Eligibility {
  const { criteria } = campaign;
  return (
    enabled(campaign) ??
    notEnded(order.status, campaign) ??
    (isStatusIn(order.status, campaign.triggerStatuses)
      ? null
      : no('not_trigger_status', `status "${order.status}" is not one of ${campaign.triggerStatuses.join(', ')}`)) ??
    filtered(criteria.stores, order.store.code, (s) => s, 'store_excluded', 'store') ??
    filtered(criteria.customerGroups, order.customer.group, caseless, 'customer_group_excluded', 'customer group') ??
    notExcludedStatus(order.status, campaign) ??
    orderAge(order, campaign, context.now) ??
    (criteria.excludeZeroTotal === true && order.total <= 0 ? no('zero_total', `total ${order.total} ${order.currency}`) : null) ??
    (criteria.minTotal !== undefined && order.total < criteria.minTotal
      ? no('below_min_total', `total ${order.total} ${order.currency} is below ${criteria.minTotal}`)
      : null) ??
    excludedProduct(order, campaign) ??
    customCondition(order, campaign) ??
    ((order.customer.emailNorm ?? order.customer.email ?? '').trim() === '' ? no('no_email') : null) ??
    (context.suppressed ? no('suppressed') : null) ??
    frequencyCap(campaign, context.lastInvitedAt, context.plannedAt ?? context.now) ??
    ELIGIBLE
  );
}

export type SendTimeFacts = {
  /** The order's status now (absent for invitations without an order, e.g. from the invitations API). */
  status?: string;
  campaign: CampaignRules;
  now: Date;
  suppressed: boolean;
  /** As in EligibilityContext, not counting the invitation being sent. */
  lastInvitedAt?: Date;
  /** When given, the catch-up rule applies: later than `sendLateDays` → missed_window. */
  scheduledAt?: Date;
};

/** The send-time re-check, in this order: campaign_disabled, order_*, order_status_excluded, suppressed, frequency_cap, missed_window. */
export function recheckAtSendTime(facts: SendTimeFacts): Eligibility {
  const { campaign, status } = facts;
  return (
    enabled(campaign) ??
    (status === undefined ? null : notEnded(status, campaign) ?? notExcludedStatus(status, campaign)) ??
    (facts.suppressed ? no('suppressed') : null) ??
    frequencyCap(campaign, facts.lastInvitedAt, facts.now) ??
    (facts.scheduledAt !== undefined && isMissedWindow(facts.scheduledAt, facts.now, campaign.sendLateDays)
      ? no('missed_window', `scheduled ${facts.scheduledAt.toISOString()}, sending allowed up to ${campaign.sendLateDays} days late`)
      : null) ??
    ELIGIBLE
  );
}

function no(reason: ReasonCode, detail?: string): Ineligible {
  return detail === undefined ? { eligible: false, reason } : { eligible: false, reason, detail };
}

function enabled(campaign: CampaignRules): Ineligible | null {
  return campaign.enabled ? null : no('campaign_disabled');
}

function notEnded(status: string, campaign: CampaignRules): Ineligible | null {
  const reason = orderEndReason(status, campaign.cancelStatuses);
  return reason === null ? null : no(reason, `status "${status}"`);
}

function notExcludedStatus(status: string, campaign: CampaignRules): Ineligible | null {
  const excluded = campaign.criteria.excludedStatuses;
  return excluded !== undefined && isStatusIn(status, excluded) ? no('order_status_excluded', `status "${status}"`) : null;
}

/** Include lists admit only what they name (an unknown value is not named); exclude lists refuse what they name. */
function filtered(filter: IncludeExclude | undefined, value: string | undefined, key: (s: string) => string, reason: ReasonCode, what: string): Ineligible | null {
  if (filter === undefined) return null;
  const k = value === undefined ? undefined : key(value);
  if (filter.include !== undefined && (k === undefined || !filter.include.some((i) => key(i) === k))) {
    return no(reason, value === undefined ? `no ${what} is known` : `${what} "${value}" is not included`);
  }
  if (filter.exclude !== undefined && k !== undefined && filter.exclude.some((e) => key(e) === k)) {
    return no(reason, `${what} "${value}" is excluded`);
  }
  return null;
}

function orderAge(order: Order, campaign: CampaignRules, now: Date): Ineligible | null {
  const maxDays = campaign.criteria.maxOrderAgeDays;
  if (maxDays === undefined) return null;
  const ageMs = now.getTime() - order.placedAt.getTime();
  return ageMs > maxDays * DAY_MS ? no('order_too_old', `placed ${(ageMs / DAY_MS).toFixed(1)} days ago, at most ${maxDays} allowed`) : null;
}

function excludedProduct(order: Order, campaign: CampaignRules): Ineligible | null {
  const skus = (campaign.criteria.excludedSkus ?? []).map((s) => s.trim().toLowerCase());
  const names = (campaign.criteria.excludedProductNames ?? []).map(fold);
  if (skus.length === 0 && names.length === 0) return null;
  for (const item of order.items) {
    if (skus.includes(item.sku.trim().toLowerCase())) return no('excluded_sku', `sku "${item.sku}"`);
    const name = fold(item.name);
    const hit = names.find((n) => name.includes(n));
    if (hit !== undefined) return no('excluded_sku', `product "${item.name}" matches "${hit}"`);
  }
  return null;
}

function caseless(text: string): string {
  return text.trim().toLowerCase();
}

/** Case-insensitive comparison that also treats composed and decomposed accents alike. */
function fold(text: string): string {
  return text.normalize('NFC').toLowerCase();
}

function customCondition(order: Order, campaign: CampaignRules): Ineligible | null {
  const rule = campaign.criteria.customRule;
  if (rule === undefined) return null;
  const outcome = evaluateCustomRule(rule, customRuleData(order));
  if (outcome.matched) return null;
  return no('custom_condition', outcome.error === undefined ? undefined : `the rule could not be evaluated: ${outcome.error}`);
}

function frequencyCap(campaign: CampaignRules, lastInvitedAt: Date | undefined, at: Date): Ineligible | null {
  return isWithinFrequencyCap(lastInvitedAt, at, campaign.frequencyCapDays)
    ? no('frequency_cap', `invited ${lastInvitedAt!.toISOString()}, at most one per ${campaign.frequencyCapDays} days`)
    : null;
}
