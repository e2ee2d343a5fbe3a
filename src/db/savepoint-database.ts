/**
 * A Kysely instance on ONE connection that is already inside a transaction, whose own transactions
 * are savepoints of it. Use cases written as "one transaction per call" (recordOrder) then run many
 * times inside one outer transaction: a bulk import commits once per batch instead of once per row,
 * and a row that fails rolls back only its own savepoint while the batch carries on.
 *
 * Everything the instance runs goes over that connection, so it must not outlive the outer
 * transaction, and calls on it must not overlap (a connection runs one statement at a time anyway).
 */
import {
  CompiledQuery, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler,
  type DatabaseConnection, type Driver,
} from 'kysely';
import type { Database } from './schema.ts';

class SavepointDriver implements Driver {
  readonly #connection: DatabaseConnection;
  #depth = 0;

  constructor(connection: DatabaseConnection) {
    this.#connection = connection;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    this.#depth++;
    await connection.executeQuery(CompiledQuery.raw(`SAVEPOINT nested_${this.#depth}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`RELEASE SAVEPOINT nested_${this.#depth}`));
    this.#depth--;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`ROLLBACK TO SAVEPOINT nested_${this.#depth}`));
    await connection.executeQuery(CompiledQuery.raw(`RELEASE SAVEPOINT nested_${this.#depth}`));
    this.#depth--;
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}

/** `trx` must be a transaction; the returned instance runs on its connection. */
export async function withSavepointDatabase<T>(trx: Kysely<Database>, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  if (!trx.isTransaction) throw new Error('withSavepointDatabase needs a transaction');
  return trx.getExecutor().provideConnection(async (connection) => {
    const db = new Kysely<Database>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new SavepointDriver(connection),
        createIntrospector: (k) => new PostgresIntrospector(k),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
    });
    return fn(db);
  });
}
