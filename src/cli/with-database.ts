/**
 * Opens the configured database for one short command and always closes it — in embedded mode that
 * releases the DATA_DIR lock, so the next command (or `start`) can take it.
 */
import type { Config } from '../config.ts';
import type { DatabaseHandle } from '../db/create-database.ts';
import { migrate } from '../db/migrate.ts';
import { openDatabase } from '../main.ts';

export async function withDatabase<T>(
  config: Config,
  fn: (database: DatabaseHandle) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const database = await openDatabase(config);
  try {
    // A command run before the first `start` (say `tenants create` on a fresh install) needs the schema too.
    if (options.migrate !== false) await migrate(database.pool);
    return await fn(database);
  } finally {
    await database.close();
  }
}
