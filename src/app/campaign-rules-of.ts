/**
 * A campaigns row as the domain's rules (CampaignRules). Rows are written validated, but they are
 * checked again on the way out: a row edited by hand must stop its campaign, not crash order intake.
 */
import type { Campaign } from '../db/schema.ts';
import { validateCampaignRules, type CampaignRulesCheck } from '../domain/campaign-rules.ts';

export type CampaignRuleColumns = Pick<
  Campaign,
  'enabled' | 'trigger_statuses' | 'delay_days' | 'send_window' | 'criteria' | 'frequency_cap_days' | 'send_late_days' | 'cancel_statuses'
>;

export const campaignRuleColumns = ['enabled', 'trigger_statuses', 'delay_days', 'send_window', 'criteria', 'frequency_cap_days', 'send_late_days', 'cancel_statuses'] as const;

export function campaignRulesOf(row: CampaignRuleColumns): CampaignRulesCheck {
  return validateCampaignRules({
    enabled: row.enabled,
    triggerStatuses: row.trigger_statuses,
    delayDays: row.delay_days,
    sendWindow: row.send_window,
    criteria: row.criteria,
    frequencyCapDays: row.frequency_cap_days,
    sendLateDays: row.send_late_days,
    cancelStatuses: row.cancel_statuses,
  });
}
