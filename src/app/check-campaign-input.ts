/**
 * A campaign as the API writes it (snake_case), checked whole: the rules by the domain's
 * validateCampaignRules (trigger statuses, delay, send window, criteria, custom rule, frequency cap,
 * catch-up, cancel statuses), plus what only the app knows about — name, slug, channel, destinations,
 * template, expiry. One answer names every offending field in the API's own words.
 *
 * An update is checked as the campaign it would produce: the stored campaign with the update laid
 * over it (criteria and template key by key, a null removing a key), so a change that makes the whole
 * invalid — a new trigger status that a stored exclusion contradicts — is refused too.
 */
import type { Campaign } from '../db/schema.ts';
import { validateCampaignRules } from '../domain/campaign-rules.ts';
import type { FieldError } from '../errors.ts';
import { apiCriteria, domainCriteriaInput } from './api-criteria.ts';
import { apiFieldName } from './api-field-name.ts';
import { campaignRulesOf } from './campaign-rules-of.ts';
import { checkDestinations, type Destination } from './check-destinations.ts';
import { checkTemplate, type CampaignTemplate } from './check-template.ts';
import { destinationTypesByChannel } from './destination-for.ts';

export type CampaignValues = {
  slug: string;
  name: string;
  enabled: boolean;
  trigger_statuses: string[];
  delay_days: number;
  send_window: string | null;
  criteria: string;
  cancel_statuses: string | null;
  channel: string;
  destinations: string;
  template: string;
  expiry_days: number;
  frequency_cap_days: number | null;
  send_late_days: number | null;
};

export type CampaignInputCheck = { ok: true; value: CampaignValues } | { ok: false; fields: FieldError[] };

export const campaignChannels = ['email', 'webhook', 'amino'] as const;
const KEYS = new Set([
  'name', 'slug', 'enabled', 'trigger_statuses', 'delay_days', 'send_window', 'criteria', 'cancel_statuses', 'channel',
  'destinations', 'template', 'expiry_days', 'frequency_cap_days', 'send_late_days',
]);
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

export function checkCampaignInput(input: unknown, stored?: Campaign): CampaignInputCheck {
  if (!isRecord(input)) return { ok: false, fields: [{ field: 'body', message: 'must be a JSON object' }] };
  const fields: FieldError[] = [];
  const fail = (field: string, message: string) => fields.push({ field, message });
  for (const key of Object.keys(input)) if (!KEYS.has(key)) fail(key, 'is not a known field');
  const merged = stored === undefined ? input : overlay(storedForm(stored), input);
  const at = (key: string): unknown => (merged[key] === null ? undefined : merged[key]);

  const name = typeof at('name') === 'string' ? (at('name') as string).trim() : undefined;
  if (name === undefined) fail('name', at('name') === undefined ? 'is required' : 'must be a string');
  else if (name === '' || name.length > 200 || /\p{Cc}/u.test(name)) fail('name', 'must be 1-200 characters without control characters');
  const slug = at('slug') ?? (name ? slugify(name) : undefined);
  if (slug !== undefined && (typeof slug !== 'string' || !SLUG.test(slug))) fail('slug', 'must be 1-40 lowercase letters, digits and dashes');

  const channel = at('channel') ?? 'email';
  if (typeof channel !== 'string' || !(campaignChannels as readonly string[]).includes(channel)) fail('channel', `must be one of ${campaignChannels.join(', ')}`);
  const storedDestinations = (stored?.destinations ?? []) as Destination[];
  const destinations = checkDestinations(at('destinations') ?? [{ type: 'hosted' }], storedDestinations);
  if (!destinations.ok) fields.push(...destinations.fields);
  else if (typeof channel === 'string' && destinationTypesByChannel[channel] && !destinations.value.some((d) => destinationTypesByChannel[channel]!.includes(d.type))) {
    fail('destinations', `channel ${channel} needs a ${destinationTypesByChannel[channel]!.join(' or ')} destination`);
  }
  const template = checkTemplate(at('template') ?? {});
  if (!template.ok) fields.push(...template.fields);
  const expiryDays = at('expiry_days') ?? 30;
  if (typeof expiryDays !== 'number' || !Number.isInteger(expiryDays) || expiryDays < 1 || expiryDays > 3650) fail('expiry_days', 'must be a whole number of days from 1 to 3650');

  const criteriaInput = at('criteria');
  const rules = validateCampaignRules({
    enabled: at('enabled'),
    triggerStatuses: at('trigger_statuses'),
    delayDays: at('delay_days'),
    sendWindow: at('send_window'),
    criteria: isRecord(criteriaInput) ? domainCriteriaInput(criteriaInput) : criteriaInput,
    frequencyCapDays: at('frequency_cap_days'),
    sendLateDays: at('send_late_days'),
    cancelStatuses: at('cancel_statuses'),
  });
  if (!rules.ok) for (const f of rules.fields) fail(apiFieldName(f.field), f.message);

  if (fields.length > 0 || !rules.ok || !destinations.ok || !template.ok) return { ok: false, fields: dedupe(fields) };
  const r = rules.value;
  return {
    ok: true,
    value: {
      slug: slug as string,
      name: name!,
      enabled: r.enabled,
      trigger_statuses: [...r.triggerStatuses],
      delay_days: r.delayDays,
      send_window: r.sendWindow === undefined ? null : JSON.stringify(r.sendWindow),
      criteria: JSON.stringify(r.criteria),
      cancel_statuses: r.cancelStatuses === undefined ? null : JSON.stringify(r.cancelStatuses),
      channel: channel as string,
      destinations: JSON.stringify(destinations.value),
      template: JSON.stringify(template.value),
      expiry_days: expiryDays as number,
      frequency_cap_days: r.frequencyCapDays ?? null,
      send_late_days: r.sendLateDays ?? null,
    },
  };
}

/** The stored campaign in the API's input form, secrets included (internal only). */
function storedForm(c: Campaign): Record<string, unknown> {
  const rules = campaignRulesOf(c);
  return {
    name: c.name,
    slug: c.slug,
    enabled: c.enabled,
    trigger_statuses: c.trigger_statuses,
    delay_days: c.delay_days,
    send_window: c.send_window,
    criteria: apiCriteria(rules.ok ? rules.value.criteria : {}),
    cancel_statuses: c.cancel_statuses,
    channel: c.channel,
    destinations: c.destinations,
    template: c.template as CampaignTemplate,
    expiry_days: c.expiry_days,
    frequency_cap_days: c.frequency_cap_days,
    send_late_days: c.send_late_days,
  };
}

function overlay(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base, ...patch };
  for (const key of ['criteria', 'template']) {
    if (isRecord(base[key]) && isRecord(patch[key])) {
      const merged: Record<string, unknown> = { ...(base[key] as Record<string, unknown>), ...(patch[key] as Record<string, unknown>) };
      for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k];
      out[key] = merged;
    }
  }
  return out;
}

function slugify(name: string): string {
  const slug = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return slug || 'campaign';
}

function dedupe(fields: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return fields.filter((f) => (seen.has(`${f.field}\0${f.message}`) ? false : (seen.add(`${f.field}\0${f.message}`), true)));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
