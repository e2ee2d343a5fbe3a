/**
 * Channels by id. Adding a channel = its folder under channels/ + one line in `factories`.
 */
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Database } from '../db/schema.ts';
import type { Channel } from '../app/ports.ts';
import type { KeyedRateLimit } from '../domain/rate-limit.ts';
import { createEmailChannel } from './email/create-email-channel.ts';
import { createAminoChannel } from './amino/create-amino-channel.ts';
import { createWebhookChannel } from './webhook/create-webhook-channel.ts';

export type ChannelOptions = { config: Config; logger: Logger; db: Kysely<Database> };

export type ChannelRegistry = {
  get(id: string): Channel | undefined;
  ids(): string[];
  /** The channels' default budgets, keyed by channel id (the rate key); what the claim applies. */
  defaultRateLimits(): KeyedRateLimit[];
  close(): Promise<void>;
};

const factories: Record<string, (options: ChannelOptions) => Channel> = {
  email: createEmailChannel,
  amino: createAminoChannel,
  webhook: createWebhookChannel,
};

export function createChannelRegistry(options: ChannelOptions, overrides: Record<string, Channel> = {}): ChannelRegistry {
  const channels = new Map<string, Channel>();
  for (const [id, factory] of Object.entries(factories)) channels.set(id, factory(options));
  for (const [id, channel] of Object.entries(overrides)) channels.set(id, channel);
  return {
    get: (id) => channels.get(id),
    ids: () => [...channels.keys()],
    defaultRateLimits: () => [...channels.values()].flatMap((c) => (c.rateLimit ? [{ key: c.id, ...c.rateLimit }] : [])),
    async close() {
      await Promise.all([...channels.values()].map((c) => c.close?.()));
    },
  };
}
