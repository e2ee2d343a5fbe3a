/** Schemas of /api/v1/stores. */
import { Type, type Static } from 'typebox';
import type { StoreView } from '../../app/store-view.ts';
import { storePlatforms } from '../../app/store-view.ts';
import { Nullable } from './error-body.ts';

export const CreateStoreBody = Type.Object(
  {
    code: Type.String({ description: 'Your code for the store (1-64 letters, digits, ".", "_", "-"); orders name their store by it', examples: ['shop-de'] }),
    name: Type.String({ description: 'Display name', examples: ['Example Shop DE'] }),
    platform: Type.Optional(Type.String({ description: `One of ${storePlatforms.join(', ')}; default custom` })),
    timezone: Type.Optional(Nullable(Type.String({ description: 'IANA time zone: local order dates are read in it, and send windows use it when the customer\'s is unknown' }))),
    locale: Type.Optional(Nullable(Type.String({ description: 'Default language of invitations, e.g. de-DE' }))),
  },
  { additionalProperties: false },
);

export const StoreSchema = Type.Object(
  {
    id: Type.Integer(),
    code: Type.String(),
    name: Type.String(),
    platform: Type.String(),
    timezone: Nullable(Type.String()),
    locale: Nullable(Type.String()),
    webhook_url: Nullable(Type.String({ format: 'uri', description: 'Where the shop posts its order webhooks (shopify, woocommerce, bigcommerce, magento)' })),
    webhook_secret_set: Type.Boolean({ description: 'The signing secret is never shown again after creation' }),
    created_at: Type.String({ format: 'date-time' }),
  },
  { title: 'Store' },
);

export const CreateStoreReply = Type.Object({
  ok: Type.Literal(true),
  store: StoreSchema,
  webhook: Nullable(
    Type.Object(
      {
        url: Type.String({ format: 'uri', description: 'Paste into the shop\'s webhook settings' }),
        secret: Type.String({ description: 'The webhook signing secret. Shown only here, once; store it now' }),
      },
      { description: 'For webhook platforms only. Receiving the webhooks is not implemented yet (a later release); the URL and secret stay valid' },
    ),
  ),
});

export const ListStoresReply = Type.Object({ ok: Type.Literal(true), stores: Type.Array(StoreSchema) });

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
true satisfies SameKeys<StoreView, Static<typeof StoreSchema>>;
