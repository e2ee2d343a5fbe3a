/**
 * How a campaign is shown to API clients: the API's snake_case form, criteria with every key, and
 * destinations without their secrets — a webhook secret or platform API key is write-only, shown as
 * `secret_set` / `api_key_set` and the key's last four characters.
 */
import type { Campaign } from '../db/schema.ts';
import type { SendWindow } from '../domain/send-window.ts';
import { apiCriteria, type ApiCriteria } from './api-criteria.ts';
import { campaignRulesOf } from './campaign-rules-of.ts';
import type { Destination } from './check-destinations.ts';

export type DestinationView =
  | { type: 'hosted' }
  | { type: 'webhook'; url: string; secret_set: boolean }
  | { type: 'amino'; url: string | null; api_key_set: boolean; api_key_hint: string | null };

export type CampaignView = {
  id: number;
  slug: string;
  name: string;
  enabled: boolean;
  is_default: boolean;
  trigger_statuses: string[];
  delay_days: number;
  send_window: { days: number[]; from: string; to: string; timezone?: string } | null;
  criteria: ApiCriteria;
  cancel_statuses: Record<string, string> | null;
  channel: string;
  destinations: DestinationView[];
  template: { subject: string | null; html: string | null; text: string | null };
  expiry_days: number;
  frequency_cap_days: number | null;
  send_late_days: number | null;
  created_at: string;
  updated_at: string;
};

export function campaignView(c: Campaign): CampaignView {
  const rules = campaignRulesOf(c);
  const template = c.template as Record<string, unknown>;
  const part = (key: string) => (typeof template[key] === 'string' ? (template[key] as string) : null);
  return {
    id: c.id,
    slug: c.slug,
    name: c.name,
    enabled: c.enabled,
    is_default: c.is_default,
    trigger_statuses: c.trigger_statuses,
    delay_days: c.delay_days,
    send_window: sendWindowView(c.send_window as SendWindow | null),
    criteria: apiCriteria(rules.ok ? rules.value.criteria : {}),
    cancel_statuses: c.cancel_statuses ?? null,
    channel: c.channel,
    destinations: (c.destinations as Destination[]).map(destinationView),
    template: { subject: part('subject'), html: part('html'), text: part('text') },
    expiry_days: c.expiry_days,
    frequency_cap_days: c.frequency_cap_days,
    send_late_days: c.send_late_days,
    created_at: c.created_at.toISOString(),
    updated_at: c.updated_at.toISOString(),
  };
}

function destinationView(d: Destination): DestinationView {
  if (d.type === 'webhook') return { type: 'webhook', url: d.url, secret_set: typeof d.secret === 'string' && d.secret !== '' };
  if (d.type === 'amino') {
    const key = typeof d.api_key === 'string' ? d.api_key : '';
    return { type: 'amino', url: d.url ?? null, api_key_set: key !== '', api_key_hint: key.length >= 12 ? `…${key.slice(-4)}` : null };
  }
  return { type: 'hosted' };
}

function sendWindowView(w: SendWindow | null): CampaignView['send_window'] {
  if (w === null) return null;
  return w.timezone === undefined ? { days: [...w.days], from: w.from, to: w.to } : { days: [...w.days], from: w.from, to: w.to, timezone: w.timezone };
}
