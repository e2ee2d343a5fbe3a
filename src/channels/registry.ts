/**
 * Channels by id. Adding a channel = its folder under channels/ + one line in `factories`.
 * (Placeholder wiring: the email channel folder fills this in.)
 */
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Database } from '../db/schema.ts';
import type { Channel } from '../app/ports.ts';

export type ChannelOptions = { config: Config; logger: Logger; db: Kysely<Database> };

export type ChannelRegistry = {
  get(id: string): Channel | undefined;
  ids(): string[];
  close(): Promise<void>;
};

const factories: Record<string, (options: ChannelOptions) => Channel> = {};

export function createChannelRegistry(options: ChannelOptions, overrides: Record<string, Channel> = {}): ChannelRegistry {
  const channels = new Map<string, Channel>();
  for (const [id, factory] of Object.entries(factories)) channels.set(id, factory(options));
  for (const [id, channel] of Object.entries(overrides)) channels.set(id, channel);
  return {
    get: (id) => channels.get(id),
    ids: () => [...channels.keys()],
    async close() {
      await Promise.all([...channels.values()].map((c) => c.close?.()));
    },
  };
}
