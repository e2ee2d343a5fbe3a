/** Schemas of /api/v1/orders: validation, response shape and OpenAPI from one source. */
import { Type, type Static } from 'typebox';
import type { OrderInvitationSummary } from '../../app/order-invitations.ts';
import type { OrderView } from '../../app/order-view.ts';
import { reasonCodes } from '../../domain/reason-codes.ts';
import { Nullable } from './error-body.ts';
import { InvitationSchema } from './invitations.ts';

const Timestamp = Type.String({ format: 'date-time' });
const OptionalText = (description: string) => Type.Optional(Nullable(Type.String({ description })));
const OrderDate = (description: string) =>
  Type.Optional(
    Nullable(
      Type.String({
        description: `${description}. ISO 8601 with an offset (2026-07-10T09:00:00+02:00 or ...Z); a local date-time without one is read in the store's time zone, and refused when the store has none`,
      }),
    ),
  );

const CustomerBody = Type.Object(
  {
    email: OptionalText('The customer\'s email address; without one no invitation can be sent (reason no_email)'),
    first_name: OptionalText('First name'),
    last_name: OptionalText('Last name'),
    group: OptionalText('Customer group (e.g. retail, wholesale), for campaign criteria'),
    locale: OptionalText('Language tag, e.g. de-DE: the invitation\'s language'),
    country: OptionalText('ISO 3166 two-letter country code'),
    timezone: OptionalText('IANA time zone of the customer; the send window is read on it when known'),
  },
  { additionalProperties: false, description: 'Left out on an update: the stored customer stays' },
);

const ItemBody = Type.Object(
  {
    sku: OptionalText('Product SKU'),
    name: OptionalText('Product name'),
    quantity: Type.Optional(Nullable(Type.Number({ description: 'Units, default 1' }))),
    price: Type.Optional(Nullable(Type.Number({ description: 'Unit price in the order currency' }))),
    product_url: OptionalText('Product page URL'),
    image_url: OptionalText('Product image URL'),
    gtin: OptionalText('GTIN / EAN'),
  },
  { additionalProperties: false },
);

export const RecordOrderBody = Type.Object(
  {
    order_ref: Type.Union([Type.String(), Type.Integer()], { description: 'Your order reference; unique per store. Sending it again updates the order' }),
    store: OptionalText('Store code; an unknown code creates a store (platform custom, no time zone). Default "default"'),
    status: Type.String({ description: 'The order status as your platform names it (completed, processing, refunded, ...); unknown statuses are kept as sent' }),
    status_changed_at: OrderDate('When the order reached this status; the campaign delay counts from it. Default: now'),
    placed_at: OrderDate('When the order was placed. Default: the first status time'),
    customer: Type.Optional(CustomerBody),
    currency: OptionalText('ISO 4217 code, e.g. EUR'),
    total: Type.Optional(Nullable(Type.Number({ description: 'Order total, not negative' }))),
    items: Type.Optional(Nullable(Type.Array(ItemBody, { description: 'Line items' }))),
  },
  { additionalProperties: false },
);

const ItemSchema = Type.Object({
  sku: Type.String(),
  name: Type.String(),
  quantity: Type.Number(),
  price: Type.Number(),
  product_url: Nullable(Type.String()),
  image_url: Nullable(Type.String()),
  gtin: Nullable(Type.String()),
});

export const OrderSchema = Type.Object(
  {
    id: Type.Integer(),
    order_ref: Type.String(),
    store: Type.String({ description: 'Store code' }),
    status: Type.String(),
    status_changed_at: Timestamp,
    placed_at: Nullable(Timestamp),
    customer: Type.Object({
      email: Nullable(Type.String()),
      first_name: Nullable(Type.String()),
      last_name: Nullable(Type.String()),
      group: Nullable(Type.String()),
      locale: Nullable(Type.String()),
      country: Nullable(Type.String()),
      timezone: Nullable(Type.String()),
    }),
    currency: Nullable(Type.String()),
    total: Nullable(Type.Number()),
    items: Type.Array(ItemSchema),
    source: Type.String({ description: 'api, csv or a platform id' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'Order' },
);

const ReasonCode = Type.String({ description: `Why: ${Object.keys(reasonCodes).join(', ')}` });

const OrderInvitationSchema = Type.Object({
  id: Type.Integer(),
  campaign: Type.String({ description: 'Campaign slug' }),
  campaign_id: Type.Integer(),
  scheduled_at: Timestamp,
  state: Type.String({ description: 'pending | sending | sent | skipped | failed' }),
  reason_code: Nullable(Type.String()),
  new: Type.Boolean({ description: 'Created by this request' }),
});

export const RecordOrderReply = Type.Object({
  ok: Type.Literal(true),
  order: OrderSchema,
  created: Type.Boolean({ description: 'true when this request created the order' }),
  invitations: Type.Array(OrderInvitationSchema, { description: 'Every invitation of the order (at most one per campaign)' }),
  not_scheduled: Type.Array(
    Type.Object({ campaign: Type.String(), campaign_id: Type.Integer(), reason_code: ReasonCode, detail: Type.Optional(Type.String()) }),
    { description: 'Enabled campaigns that scheduled nothing in this request, with the reason (duplicate: the invitation exists already)' },
  ),
  skipped: Type.Array(Type.Object({ id: Type.Integer(), campaign: Type.String(), campaign_id: Type.Integer(), reason_code: ReasonCode }), {
    description: 'Pending invitations this request skipped because the order ended (cancelled, refunded, failed)',
  }),
});

export const OrderRefParams = Type.Object({ order_ref: Type.String({ description: 'Your order reference' }) });

export const OrderQuery = Type.Object(
  { store: Type.Optional(Type.String({ description: 'Store code; needed when several stores have this order_ref' })) },
  { additionalProperties: false },
);

export const OrderDetailReply = Type.Object({
  ok: Type.Literal(true),
  order: OrderSchema,
  history: Type.Array(Type.Object({ status: Type.String(), occurred_at: Timestamp, source: Type.String() }), { description: 'Status changes, oldest first' }),
  invitations: Type.Array(InvitationSchema),
});

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
// The response serializer drops what the schema does not list: a field added to a view must be added here.
true satisfies SameKeys<OrderView, Static<typeof OrderSchema>>;
true satisfies SameKeys<OrderInvitationSummary, Static<typeof OrderInvitationSchema>>;
