/**
 * The statements an order batch sends every time (the tenant lock, the orders' lock and writes, the
 * customers' upsert, the scheduling facts, the invitations' write), the API-key lookup and the worker's
 * send-context read are sent as named prepared statements: parsed and planned once per connection
 * instead of at every batch. Kysely sends every statement unnamed, and on the ingest benchmark
 * PostgreSQL spent ~1.9 ms of a batch's ~6.6 ms parsing and planning them (bench/README.md, `## ingest`).
 * (The claim is a named statement of its own, db/queue/claim-invitations.ts.)
 *
 * A statement opts in by starting with `prepared` (below). Three rules for such a statement, each held by
 * test/db/prepared-statements.test.ts:
 * - Its plan becomes generic (PostgreSQL switches after five executions when a generic plan looks no
 *   dearer), so its lookups must stay key by key with the parameters unknown to the planner — also for a
 *   tenant newer than the statistics.
 * - Its arrays of keys go in through `opaque()` (below), or the generic plan is never used for batches
 *   of fewer than ten keys: the statement is planned again at every execution.
 * - It names the columns it returns, never `*` of a table: a connection keeps its statements, and a
 *   migration that adds a column under a running process would otherwise fail them with "cached plan
 *   must not change result type".
 * Its text is the same at every call, or one of a few variants: each distinct text is one statement kept
 * by every connection that sends it.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';

const MARK = '/* prepared */ ';

/** Starts a statement that is prepared once per connection (see above). */
export const prepared = sql.raw(MARK);

const names = new Map<string, string>();

/** The statement's name: derived from its text, so a variant of it is a statement of its own. */
export function preparedName(text: string): string | undefined {
  if (!text.startsWith(MARK)) return undefined;
  let name = names.get(text);
  if (name === undefined) {
    name = `ri_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * A parameter the planner does not look into, `(SELECT $n::type)::type`, for the arrays of keys a marked
 * statement unnests or matches with `= any(...)`. PostgreSQL keeps re-planning a prepared statement
 * whose custom plans look cheaper than its generic one, and a custom plan sees how many keys an array
 * holds where the generic plan assumes ten: at batches under ten keys, every execution was planned
 * again (pg_prepared_statements: 0 generic, 350 custom plans of 350). Hidden in a subquery, the
 * array is estimated alike in both, and the generic plan — the one the test checks — is kept.
 */
export function opaque(value: unknown, type: 'bigint[]' | 'text[]' | 'uuid[]' | 'bytea[]') {
  // The outer cast makes it an expression: `= any((SELECT ...))` would be read as a subquery of arrays.
  return sql`(SELECT ${value}::${sql.raw(type)})::${sql.raw(type)}`;
}

/**
 * A table's columns spelled out for a prepared statement's select list (`alias.column, ...`), never `*`.
 * `columnsOf<Row>()([...])` fails to compile when the list lacks a column of Row, naming it.
 */
export function columnsOf<Row>() {
  return <const C extends readonly (keyof Row & string)[]>(columns: C & (Exclude<keyof Row, C[number]> extends never ? unknown : { missing: Exclude<keyof Row, C[number]> })) =>
    (alias: string) => sql.raw(columns.map((c) => `${alias}.${c}`).join(', '));
}

/** pg's client, sending marked statements by name. The pool's `Client` in both modes (create-database.ts). */
export class PreparingClient extends pg.Client {
  // pg's overloads: (text, values), (text, values, callback), (config), ... Kysely uses the first.
  override query(...args: unknown[]): never {
    const [text, values] = args;
    const name = typeof text === 'string' && (args.length === 1 || Array.isArray(values)) ? preparedName(text) : undefined;
    const call = super.query as (...a: unknown[]) => never;
    if (name === undefined) return call.apply(this, args);
    return call.call(this, { name, text, values: values ?? [] }, ...args.slice(2));
  }
}
