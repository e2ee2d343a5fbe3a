/** How a store is shown to API clients. Its webhook secret is shown once, at creation, never here. */
import type { Store } from '../db/schema.ts';

/** Platforms whose shops send us signed order webhooks (receiving them is a later issue). */
export const webhookPlatforms = ['shopify', 'woocommerce', 'bigcommerce', 'magento'] as const;
export const storePlatforms = ['custom', ...webhookPlatforms] as const;

export type StoreView = {
  id: number;
  code: string;
  name: string;
  platform: string;
  timezone: string | null;
  locale: string | null;
  /** Where the shop posts its order webhooks; null for platforms without. */
  webhook_url: string | null;
  webhook_secret_set: boolean;
  created_at: string;
};

export function storeWebhookUrl(publicUrl: string, store: Pick<Store, 'id' | 'platform'>): string | null {
  return (webhookPlatforms as readonly string[]).includes(store.platform) ? `${publicUrl}/webhooks/${store.platform}/${store.id}` : null;
}

export function storeView(publicUrl: string, s: Store): StoreView {
  return {
    id: s.id,
    code: s.code,
    name: s.name,
    platform: s.platform,
    timezone: s.timezone,
    locale: s.locale,
    webhook_url: storeWebhookUrl(publicUrl, s),
    webhook_secret_set: s.webhook_secret !== null,
    created_at: s.created_at.toISOString(),
  };
}
