/**
 * Services for a test file: a fresh database on the given engine, config from a plain object
 * (never the real environment), a silent logger unless TEST_LOG is set, and an optional clock.
 */
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { openServices, type Services } from '../../src/main.ts';
import type { Clock } from '../../src/app/ports.ts';
import type { DatabaseKind } from '../../src/db/create-database.ts';
import { createTestDatabase, type TestDatabase } from './test-databases.ts';

export const TEST_SECRET = 'test-secret-key-0123456789abcdefghijklmnop';
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig(
    {
      PUBLIC_URL: 'https://reviews.example.test',
      SECRET_KEY: TEST_SECRET,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      MAIL_FROM: 'Example Shop <reviews@shop.example>',
      LOG_LEVEL: process.env.TEST_LOG ?? 'silent',
      WORKER_POLL_MS: '50',
      ...env,
    },
    { dotenv: false },
  );
}

/** A settable clock for tests that move time instead of sleeping. */
export function createTestClock(start = new Date()): Clock & { set(d: Date): void; advance(ms: number): void } {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    set: (d) => {
      now = d.getTime();
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

export type TestServices = Services & { testDb: TestDatabase; dispose(): Promise<void> };

export async function createTestServices(
  kind: DatabaseKind,
  options: { env?: Record<string, string | undefined>; clock?: Clock; poolSize?: number } = {},
): Promise<TestServices> {
  const config = testConfig(options.env);
  const testDb = await createTestDatabase(kind, options.poolSize === undefined ? {} : { poolSize: options.poolSize });
  const logger = createLogger(config.logLevel);
  const services = await openServices(config, logger, { database: testDb, migrate: false, defaultMetrics: false, ...(options.clock ? { clock: options.clock } : {}) });
  return Object.assign(services, {
    testDb,
    async dispose() {
      await services.close();
      await testDb.drop();
    },
  });
}
