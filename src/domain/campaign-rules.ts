/**
 * A campaign as the rules see it (the `campaigns` row minus channel, destinations, template and
 * expiry), and its validation. Validation answers every offending field at once, named by its dotted
 * path in camelCase (`sendWindow.from`, `criteria.customRule`), so a 400 tells the whole story.
 *
 * Beyond shapes and ranges it refuses rules that can never send: a window with no weekday or no
 * hours, a trigger status that is also a status ending the order or an excluded one, an empty include
 * list. It ignores top-level keys it does not know (the caller may pass a whole campaign), but not
 * unknown keys inside `criteria` or `sendWindow`, where a typo would silently disable a criterion.
 */
import type { FieldError } from './field-error.ts';
import { checkCustomRule, type CustomRule } from './custom-rule.ts';
import { defaultCancelStatuses, orderEndReason, orderLifecycleReasons, statusKey, type CancelStatuses, type OrderLifecycleReason } from './order.ts';
import { checkSendWindow, type SendWindow } from './send-window.ts';
import { MAX_DELAY_DAYS } from './schedule-invitation.ts';

/** Either list may be absent; an include list admits only what it names. */
export type IncludeExclude = { include?: readonly string[]; exclude?: readonly string[] };

export type CampaignCriteria = {
  /** Store codes, compared exactly: codes are the tenant's own identifiers. */
  stores?: IncludeExclude;
  /** Customer groups, compared case-insensitively. A customer without a group fails an include list. */
  customerGroups?: IncludeExclude;
  /** Statuses in which an order is not invited, checked when scheduling and again at send time. */
  excludedStatuses?: readonly string[];
  /** Skip orders placed more than this many days (of 24 h) ago. */
  maxOrderAgeDays?: number;
  /** In the order's own currency. */
  minTotal?: number;
  excludeZeroTotal?: boolean;
  /** Compared whole and case-insensitively. */
  excludedSkus?: readonly string[];
  /** Matched as case-insensitive substrings of item names ("gift card" excludes "Gift Card 50 EUR"). */
  excludedProductNames?: readonly string[];
  customRule?: CustomRule;
};

export type CampaignRules = {
  enabled: boolean;
  /** Reaching any of these schedules the invitation. */
  triggerStatuses: readonly string[];
  /** Calendar days after the trigger status time; 0 = at once. */
  delayDays: number;
  sendWindow?: SendWindow;
  criteria: CampaignCriteria;
  /** At most one invitation per customer per this many days, across the tenant's campaigns. */
  frequencyCapDays?: number;
  /** Catch-up: a due invitation later than this is skipped (missed_window); absent = always send late. */
  sendLateDays?: number;
  /** Replaces `defaultCancelStatuses` entirely when set. */
  cancelStatuses?: CancelStatuses;
};

/** What an omitted field means (DESIGN.md §8: the default campaign is "completed", 7 days). */
export const defaultCampaignRules: CampaignRules = { enabled: true, triggerStatuses: ['completed'], delayDays: 7, criteria: {} };

export type CampaignRulesCheck = { ok: true; value: CampaignRules } | { ok: false; fields: FieldError[] };

const CRITERIA_KEYS = new Set([
  'stores', 'customerGroups', 'excludedStatuses', 'maxOrderAgeDays', 'minTotal', 'excludeZeroTotal',
  'excludedSkus', 'excludedProductNames', 'customRule',
]);
const MAX_LIST = 1000;
const MAX_TEXT = 200;

export function validateCampaignRules(input: unknown): CampaignRulesCheck {
  if (!isRecord(input)) return { ok: false, fields: [{ field: '', message: 'must be an object' }] };
  const fields: FieldError[] = [];
  const fail = (field: string, message: string): undefined => report(fields, field, message);
  const given = (key: string): unknown => (input[key] === null ? undefined : input[key]);

  const enabled = given('enabled') ?? defaultCampaignRules.enabled;
  if (typeof enabled !== 'boolean') fail('enabled', 'must be true or false');

  const triggerStatuses = given('triggerStatuses') === undefined
    ? [...defaultCampaignRules.triggerStatuses]
    : textList(given('triggerStatuses'), 'triggerStatuses', fail, 20);
  if (triggerStatuses !== undefined && triggerStatuses.length === 0) fail('triggerStatuses', 'must name at least one status');

  const delayDays = given('delayDays') ?? defaultCampaignRules.delayDays;
  if (!isWholeNumber(delayDays, 0, MAX_DELAY_DAYS)) fail('delayDays', `must be a whole number of days from 0 to ${MAX_DELAY_DAYS}`);

  let sendWindow: SendWindow | undefined;
  if (given('sendWindow') !== undefined) {
    const check = checkSendWindow(given('sendWindow'));
    if (check.ok) sendWindow = check.value;
    else for (const f of check.fields) fail(f.field === '' ? 'sendWindow' : `sendWindow.${f.field}`, f.message);
  }

  const frequencyCapDays = given('frequencyCapDays');
  if (frequencyCapDays !== undefined && !isWholeNumber(frequencyCapDays, 1, 3650)) fail('frequencyCapDays', 'must be a whole number of days from 1 to 3650');

  const sendLateDays = given('sendLateDays');
  // Zero would skip invitations that are only minutes late because of polling or rate limits.
  if (sendLateDays !== undefined && !isWholeNumber(sendLateDays, 1, 3650)) fail('sendLateDays', 'must be a whole number of days from 1 to 3650 (omit it to always send late)');

  const cancelStatuses = given('cancelStatuses') === undefined ? undefined : cancelStatusMap(given('cancelStatuses'), fail);
  const criteria = given('criteria') === undefined ? {} : checkCriteria(given('criteria'), fields);

  // A campaign that can never send is a mistake worth a 400, not a silent no-op.
  for (const status of triggerStatuses ?? []) {
    const ends = orderEndReason(status, cancelStatuses ?? defaultCancelStatuses);
    if (ends !== null) fail('triggerStatuses', `"${status}" ends the order (${ends}), so the campaign would never send`);
    if (criteria?.excludedStatuses?.some((s) => statusKey(s) === statusKey(status))) {
      fail('criteria.excludedStatuses', `"${status}" is also a trigger status, so the campaign would never send`);
    }
  }

  if (fields.length > 0 || triggerStatuses === undefined || criteria === undefined) return { ok: false, fields };
  const value: CampaignRules = { enabled: enabled as boolean, triggerStatuses, delayDays: delayDays as number, criteria };
  if (sendWindow !== undefined) value.sendWindow = sendWindow;
  if (frequencyCapDays !== undefined) value.frequencyCapDays = frequencyCapDays as number;
  if (sendLateDays !== undefined) value.sendLateDays = sendLateDays as number;
  if (cancelStatuses !== undefined) value.cancelStatuses = cancelStatuses;
  return { ok: true, value };
}

type Fail = (field: string, message: string) => undefined;

function report(fields: FieldError[], field: string, message: string): undefined {
  fields.push({ field, message });
  return undefined;
}

function checkCriteria(input: unknown, fields: FieldError[]): CampaignCriteria | undefined {
  const fail = (field: string, message: string): undefined => report(fields, field, message);
  if (!isRecord(input)) return fail('criteria', 'must be an object');
  const before = fields.length;
  const criteria: CampaignCriteria = {};
  for (const key of Object.keys(input)) if (!CRITERIA_KEYS.has(key)) fail(`criteria.${key}`, 'is not a criterion');
  const at = (key: string): unknown => (input[key] === null ? undefined : input[key]);

  for (const key of ['stores', 'customerGroups'] as const) {
    if (at(key) !== undefined) {
      const filter = includeExclude(at(key), `criteria.${key}`, fail, key === 'stores' ? (s) => s : (s) => s.toLowerCase());
      if (filter !== undefined) criteria[key] = filter;
    }
  }
  for (const key of ['excludedStatuses', 'excludedSkus', 'excludedProductNames'] as const) {
    if (at(key) !== undefined) {
      const list = textList(at(key), `criteria.${key}`, fail, MAX_LIST);
      if (list !== undefined) criteria[key] = list;
    }
  }
  const maxAge = at('maxOrderAgeDays');
  if (maxAge !== undefined) {
    if (isWholeNumber(maxAge, 1, 3650)) criteria.maxOrderAgeDays = maxAge;
    else fail('criteria.maxOrderAgeDays', 'must be a whole number of days from 1 to 3650');
  }
  const minTotal = at('minTotal');
  if (minTotal !== undefined) {
    if (typeof minTotal !== 'number' || !Number.isFinite(minTotal)) fail('criteria.minTotal', 'must be a number');
    else if (minTotal < 0) fail('criteria.minTotal', 'must not be negative');
    else criteria.minTotal = minTotal;
  }
  const excludeZero = at('excludeZeroTotal');
  if (excludeZero !== undefined) {
    if (typeof excludeZero === 'boolean') criteria.excludeZeroTotal = excludeZero;
    else fail('criteria.excludeZeroTotal', 'must be true or false');
  }
  if (at('customRule') !== undefined) {
    const rule = checkCustomRule(at('customRule'));
    if (rule.ok) criteria.customRule = rule.value;
    else fail('criteria.customRule', rule.message);
  }
  return fields.length === before ? criteria : undefined;
}

function includeExclude(input: unknown, field: string, fail: Fail, key: (s: string) => string): IncludeExclude | undefined {
  if (!isRecord(input)) return fail(field, 'must be an object like {"include": [...]} or {"exclude": [...]}');
  for (const k of Object.keys(input)) if (k !== 'include' && k !== 'exclude') fail(`${field}.${k}`, 'must be "include" or "exclude"');
  const out: IncludeExclude = {};
  if (input.include !== undefined && input.include !== null) {
    const include = textList(input.include, `${field}.include`, fail, MAX_LIST);
    if (include?.length === 0) fail(`${field}.include`, 'must name at least one, or nothing matches (omit it to include all)');
    else if (include !== undefined) out.include = include;
  }
  if (input.exclude !== undefined && input.exclude !== null) {
    const exclude = textList(input.exclude, `${field}.exclude`, fail, MAX_LIST);
    if (exclude !== undefined) out.exclude = exclude;
  }
  const both = out.include?.filter((i) => out.exclude?.some((e) => key(e) === key(i))) ?? [];
  if (both.length > 0) fail(field, `${both.map((b) => `"${b}"`).join(', ')} cannot be both included and excluded`);
  return out;
}

function cancelStatusMap(input: unknown, fail: Fail): CancelStatuses | undefined {
  if (!isRecord(input)) return fail('cancelStatuses', 'must map statuses to a reason, like {"cancelled": "order_cancelled"}');
  const out: Record<string, OrderLifecycleReason> = {};
  const entries = Object.entries(input);
  if (entries.length > 50) return fail('cancelStatuses', 'must name at most 50 statuses');
  for (const [status, reason] of entries) {
    if (!isText(status.trim())) fail('cancelStatuses', `"${status}" is not a status`);
    else if (!orderLifecycleReasons.includes(reason as OrderLifecycleReason)) {
      fail(`cancelStatuses.${status}`, `must be one of ${orderLifecycleReasons.join(', ')}`);
    } else out[status.trim()] = reason as OrderLifecycleReason;
  }
  return out;
}

/** Trimmed, non-empty, deduplicated strings. */
function textList(input: unknown, field: string, fail: Fail, max: number): string[] | undefined {
  if (!Array.isArray(input)) return fail(field, 'must be a list of strings');
  if (input.length > max) return fail(field, `must have at most ${max} entries`);
  const out: string[] = [];
  let ok = true;
  input.forEach((item, i) => {
    const text = typeof item === 'string' ? item.trim() : '';
    if (!isText(text)) {
      ok = false;
      fail(`${field}[${i}]`, `must be text of 1-${MAX_TEXT} characters`);
    } else if (!out.includes(text)) out.push(text);
  });
  return ok ? out : undefined;
}

function isText(value: string): boolean {
  return value.length > 0 && value.length <= MAX_TEXT && !/\p{Cc}/u.test(value);
}

function isWholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
