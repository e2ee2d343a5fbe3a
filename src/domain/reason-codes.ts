/**
 * The one catalogue of reason codes: why an invitation was skipped, failed, or never created.
 * Every skip and every non-creation carries exactly one of these.
 */
export const reasonCodes = {
  // eligibility (scheduling time and send time)
  not_trigger_status: 'The order has not reached one of the campaign trigger statuses.',
  store_excluded: 'The order comes from a store the campaign does not cover.',
  customer_group_excluded: "The customer's group is excluded by the campaign.",
  order_status_excluded: "The order's status is excluded by the campaign.",
  order_too_old: 'The order is older than the campaign allows.',
  below_min_total: 'The order total is below the campaign minimum.',
  zero_total: 'The order total is zero and the campaign excludes free orders.',
  excluded_sku: 'The order contains an excluded product.',
  custom_condition: "The campaign's custom condition did not match.",
  no_email: 'The order has no customer email address.',
  frequency_cap: 'The customer was invited too recently (frequency cap).',
  suppressed: 'The address is on the do-not-invite list.',
  duplicate: 'An invitation already exists for this order and campaign.',
  campaign_disabled: 'The campaign is disabled.',
  // order lifecycle
  order_cancelled: 'The order was cancelled.',
  order_refunded: 'The order was refunded.',
  order_failed: 'The order failed.',
  // queue
  missed_window: 'The invitation is later than the campaign allows it to be sent.',
  manual_skip: 'Skipped by a person.',
  review_completed: 'The customer already wrote the review through the link, before the invitation was sent.',
  // delivery
  permanent_failure: 'The channel rejected the invitation permanently.',
  attempts_exhausted: 'Every allowed delivery attempt failed.',
  invalid_recipient: 'The recipient address was rejected.',
  delivery_uncertain: 'Twice the channel may have delivered it without confirming; not tried again, to avoid duplicates.',
} as const;

export type ReasonCode = keyof typeof reasonCodes;

export function isReasonCode(value: string): value is ReasonCode {
  return Object.hasOwn(reasonCodes, value);
}
