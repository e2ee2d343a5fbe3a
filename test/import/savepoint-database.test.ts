import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSavepointDatabase } from '../../src/db/savepoint-database.ts';
import { createTestDatabase, engines, type TestDatabase } from '../helpers/test-databases.ts';

describe.each(engines)('transactions as savepoints of a batch on %s', (engine) => {
  let d: TestDatabase;
  beforeAll(async () => {
    d = await createTestDatabase(engine);
  });
  afterAll(async () => d?.drop());

  const put = (db: typeof d.db, key: string) => db.insertInto('instance_settings').values({ key, value: 'v' }).execute();
  const keys = async () => (await d.db.selectFrom('instance_settings').select('key').where('key', 'like', 'sp-%').orderBy('key').execute()).map((r) => r.key);

  it('a failed inner transaction undoes only itself; the batch commits the rest once', async () => {
    await d.db.transaction().execute((trx) =>
      withSavepointDatabase(trx, async (db) => {
        await db.transaction().execute((t) => put(t, 'sp-1'));
        await expect(db.transaction().execute(async (t) => {
          await put(t, 'sp-2');
          await put(t, 'sp-1'); // duplicate key: this inner transaction fails
        })).rejects.toThrow();
        await db.transaction().execute((t) => put(t, 'sp-3'));
        // Not visible outside before the batch commits.
        if (engine === 'postgres') expect(await keys()).toEqual([]);
      }),
    );
    expect(await keys()).toEqual(['sp-1', 'sp-3']);
  });

  it('a failing batch leaves nothing behind', async () => {
    await expect(d.db.transaction().execute((trx) =>
      withSavepointDatabase(trx, async (db) => {
        await db.transaction().execute((t) => put(t, 'sp-4'));
        throw new Error('batch fails');
      }),
    )).rejects.toThrow('batch fails');
    expect(await keys()).toEqual(['sp-1', 'sp-3']);
  });

  it('refuses to run outside a transaction', async () => {
    await expect(withSavepointDatabase(d.db, async () => undefined)).rejects.toThrow(/needs a transaction/);
  });
});
