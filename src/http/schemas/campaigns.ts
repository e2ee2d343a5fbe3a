/** Schemas of /api/v1/campaigns. Ranges and rule semantics are checked by the use case (one 400 names them all). */
import { Type, type Static } from 'typebox';
import type { CampaignView } from '../../app/campaign-view.ts';
import { Nullable } from './error-body.ts';

const Timestamp = Type.String({ format: 'date-time' });
const TextList = (description: string) => Type.Optional(Nullable(Type.Array(Type.String(), { description })));
const Count = (description: string) => Type.Optional(Nullable(Type.Number({ description })));

const SendWindowBody = Type.Object(
  {
    days: Type.Array(Type.Integer(), { description: 'ISO weekdays, 1 = Monday ... 7 = Sunday' }),
    from: Type.String({ description: 'HH:MM', examples: ['09:00'] }),
    to: Type.String({ description: 'HH:MM, up to 24:00; earlier than from = overnight', examples: ['18:00'] }),
    timezone: Type.Optional(Nullable(Type.String({ description: 'Pin the window to one IANA zone; default: the customer\'s, else the store\'s, else the tenant\'s' }))),
  },
  { additionalProperties: false },
);

const CriteriaBody = Type.Object(
  {
    stores: TextList('Only orders from these store codes (empty = all)'),
    excluded_stores: TextList('Never orders from these store codes'),
    customer_groups: TextList('Only these customer groups (empty = all)'),
    excluded_customer_groups: TextList('Never these customer groups'),
    excluded_statuses: TextList('Order statuses in which no invitation is scheduled or sent'),
    max_order_age_days: Count('Skip orders placed more than this many days ago'),
    min_total: Count('Skip orders below this total'),
    exclude_zero_total: Type.Optional(Nullable(Type.Boolean({ description: 'Skip free orders' }))),
    excluded_skus: TextList('Skip orders containing any of these SKUs'),
    excluded_product_names: TextList('Skip orders with an item whose name contains any of these (case-insensitive)'),
    custom_rule: Type.Optional(
      Type.Unknown({ description: 'A JSON Logic rule over order.* and customer.* fields, e.g. {">=": [{"var": "order.total"}, 20]}; null removes it' }),
    ),
  },
  { additionalProperties: false },
);

const DestinationBody = Type.Object(
  {
    type: Type.String({ description: 'hosted | webhook | amino' }),
    url: Type.Optional(Type.String({ description: 'webhook: the endpoint; amino: the API base (default https://amino.reviews)' })),
    secret: Type.Optional(Type.String({ description: 'webhook: whsec_<base64>; write-only, kept when left out of an update' })),
    api_key: Type.Optional(Type.String({ description: 'amino: the API key; write-only, kept when left out of an update' })),
  },
  { additionalProperties: false },
);

const TemplateBody = Type.Object(
  {
    subject: Type.Optional(Nullable(Type.String())),
    html: Type.Optional(Nullable(Type.String())),
    text: Type.Optional(Nullable(Type.String())),
  },
  { additionalProperties: false, description: 'Liquid overrides of the default email; null restores the default part' },
);

const campaignFields = {
  slug: Type.Optional(Type.String({ description: 'Lowercase letters, digits and dashes; derived from name when omitted' })),
  enabled: Type.Optional(Type.Boolean()),
  trigger_statuses: TextList('Statuses that schedule the invitation (any of them); default ["completed"]'),
  delay_days: Count('Days after the trigger status, 0-365; default 7'),
  send_window: Type.Optional(Nullable(SendWindowBody)),
  criteria: Type.Optional(CriteriaBody),
  cancel_statuses: Type.Optional(
    Nullable(Type.Record(Type.String(), Type.String(), { description: 'Status → order_cancelled | order_refunded | order_failed; replaces the built-in map' })),
  ),
  channel: Type.Optional(Type.String({ description: 'email | webhook | amino; default email' })),
  destinations: Type.Optional(Type.Array(DestinationBody, { description: 'Default [{"type": "hosted"}]' })),
  template: Type.Optional(TemplateBody),
  expiry_days: Count('Days the review link stays valid, 1-3650; default 30'),
  frequency_cap_days: Count('At most one invitation per customer per this many days, across all campaigns; null = no cap'),
  send_late_days: Count('Catch-up limit: invitations more than this many days overdue are skipped (missed_window); null = always send'),
};

export const CreateCampaignBody = Type.Object({ name: Type.String(), ...campaignFields }, { additionalProperties: false });
export const UpdateCampaignBody = Type.Object({ name: Type.Optional(Type.String()), ...campaignFields }, { additionalProperties: false });

const DestinationSchema = Type.Object({
  type: Type.String(),
  url: Type.Optional(Nullable(Type.String())),
  secret_set: Type.Optional(Type.Boolean()),
  api_key_set: Type.Optional(Type.Boolean()),
  api_key_hint: Type.Optional(Nullable(Type.String({ description: 'The last four characters of the key' }))),
});

export const CampaignSchema = Type.Object(
  {
    id: Type.Integer(),
    slug: Type.String(),
    name: Type.String(),
    enabled: Type.Boolean(),
    is_default: Type.Boolean({ description: 'The tenant\'s default campaign; it can be disabled, not removed' }),
    trigger_statuses: Type.Array(Type.String()),
    delay_days: Type.Integer(),
    send_window: Nullable(
      Type.Object({ days: Type.Array(Type.Integer()), from: Type.String(), to: Type.String(), timezone: Type.Optional(Type.String()) }),
    ),
    criteria: Type.Object({
      stores: Type.Array(Type.String()),
      excluded_stores: Type.Array(Type.String()),
      customer_groups: Type.Array(Type.String()),
      excluded_customer_groups: Type.Array(Type.String()),
      excluded_statuses: Type.Array(Type.String()),
      max_order_age_days: Nullable(Type.Integer()),
      min_total: Nullable(Type.Number()),
      exclude_zero_total: Type.Boolean(),
      excluded_skus: Type.Array(Type.String()),
      excluded_product_names: Type.Array(Type.String()),
      custom_rule: Type.Unknown(),
    }),
    cancel_statuses: Nullable(Type.Record(Type.String(), Type.String())),
    channel: Type.String(),
    destinations: Type.Array(DestinationSchema),
    template: Type.Object({ subject: Nullable(Type.String()), html: Nullable(Type.String()), text: Nullable(Type.String()) }),
    expiry_days: Type.Integer(),
    frequency_cap_days: Nullable(Type.Integer()),
    send_late_days: Nullable(Type.Integer()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'Campaign' },
);

export const CampaignReply = Type.Object({ ok: Type.Literal(true), campaign: CampaignSchema });
export const ListCampaignsReply = Type.Object({ ok: Type.Literal(true), campaigns: Type.Array(CampaignSchema) });
export const CampaignIdParams = Type.Object({ id: Type.String({ description: 'Campaign id or slug' }) });

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
true satisfies SameKeys<CampaignView, Static<typeof CampaignSchema>>;
