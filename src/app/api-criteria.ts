/**
 * Campaign criteria as the API writes them — flat, snake_case, every key always present in answers —
 * and as the domain keeps them (src/domain/campaign-rules.ts CampaignCriteria, which is what the
 * campaigns.criteria column stores). In the API an empty list means "no restriction", so what GET
 * answers can be sent back unchanged.
 */
import type { CampaignCriteria, IncludeExclude } from '../domain/campaign-rules.ts';
import type { CustomRule } from '../domain/custom-rule.ts';

export type ApiCriteria = {
  stores: string[];
  excluded_stores: string[];
  customer_groups: string[];
  excluded_customer_groups: string[];
  excluded_statuses: string[];
  max_order_age_days: number | null;
  min_total: number | null;
  exclude_zero_total: boolean;
  excluded_skus: string[];
  excluded_product_names: string[];
  custom_rule: CustomRule | null;
};

export const apiCriteriaKeys: readonly (keyof ApiCriteria)[] = [
  'stores', 'excluded_stores', 'customer_groups', 'excluded_customer_groups', 'excluded_statuses', 'max_order_age_days',
  'min_total', 'exclude_zero_total', 'excluded_skus', 'excluded_product_names', 'custom_rule',
];

export function apiCriteria(domain: CampaignCriteria): ApiCriteria {
  return {
    stores: [...(domain.stores?.include ?? [])],
    excluded_stores: [...(domain.stores?.exclude ?? [])],
    customer_groups: [...(domain.customerGroups?.include ?? [])],
    excluded_customer_groups: [...(domain.customerGroups?.exclude ?? [])],
    excluded_statuses: [...(domain.excludedStatuses ?? [])],
    max_order_age_days: domain.maxOrderAgeDays ?? null,
    min_total: domain.minTotal ?? null,
    exclude_zero_total: domain.excludeZeroTotal ?? false,
    excluded_skus: [...(domain.excludedSkus ?? [])],
    excluded_product_names: [...(domain.excludedProductNames ?? [])],
    custom_rule: domain.customRule ?? null,
  };
}

/**
 * The domain's input for validateCampaignRules (unvalidated: values pass through as given, so the
 * domain names what is wrong). Keys the API does not know are passed on under their own name, and the
 * domain reports them as "not a criterion".
 */
export function domainCriteriaInput(api: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const given = (key: string) => !isEmpty(api[key]);
  const includeExclude = (include: string, exclude: string): IncludeExclude | undefined => {
    if (!given(include) && !given(exclude)) return undefined;
    return { ...(given(include) ? { include: api[include] as string[] } : {}), ...(given(exclude) ? { exclude: api[exclude] as string[] } : {}) };
  };
  const stores = includeExclude('stores', 'excluded_stores');
  if (stores) out.stores = stores;
  const groups = includeExclude('customer_groups', 'excluded_customer_groups');
  if (groups) out.customerGroups = groups;
  const renames: [keyof ApiCriteria, string][] = [
    ['excluded_statuses', 'excludedStatuses'],
    ['max_order_age_days', 'maxOrderAgeDays'],
    ['min_total', 'minTotal'],
    ['excluded_skus', 'excludedSkus'],
    ['excluded_product_names', 'excludedProductNames'],
    ['custom_rule', 'customRule'],
  ];
  for (const [from, to] of renames) if (given(from)) out[to] = api[from];
  // false is the default; only true is worth storing.
  if (api.exclude_zero_total !== undefined && api.exclude_zero_total !== null && api.exclude_zero_total !== false) out.excludeZeroTotal = api.exclude_zero_total;
  for (const key of Object.keys(api)) if (!(apiCriteriaKeys as readonly string[]).includes(key)) out[key] = api[key];
  return out;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}
