/**
 * Who runs the cluster-wide periodic tasks. On PostgreSQL: whoever holds a session advisory lock on a
 * DEDICATED connection (not a pool client: the lock lives and dies with that one session, so when the
 * leader's process or connection dies the server drops the lock and another worker wins the next
 * try). Non-leaders hold no connection; they try again on the next tick. On PGlite the process is
 * alone (the data-directory lock guarantees it), so it always leads — and must not hold a client of
 * its one-connection pool.
 *
 * A leader that is frozen rather than dead (SIGSTOP, a VM or GC pause) keeps its socket, so the server
 * would keep its lock — and the cluster would go without a sweeper for as long as the freeze lasts.
 * So the leader's session carries idle_session_timeout: the leader confirms its lead every tick; a
 * session silent for longer is ended by the server, the lock with it, and another worker takes over.
 */
import pg from 'pg';
import type { DatabaseHandle } from '../db/create-database.ts';
import type { Logger } from '../logger.ts';

/** Next to migrate.ts's 727_274_001. */
export const LEADER_LOCK_KEY = 727_274_002;

export type Leadership = {
  /** True when this process leads now (confirms a held lead with a round trip on its session). */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
};

export type LeadershipOptions = {
  /** A leader silent this long (no tick confirmed its lead) loses its session and the lead. */
  idleSessionTimeoutMs: number;
};

export function createLeadership(database: DatabaseHandle, logger: Logger, settings: LeadershipOptions): Leadership {
  if (database.kind === 'pglite') return { acquire: async () => true, release: async () => {} };

  let client: pg.Client | undefined;
  let leading = false;
  const drop = (c: pg.Client) => {
    if (client === c) {
      client = undefined;
      if (leading) logger.warn('periodic-task leadership lost with its database session');
      leading = false;
    }
    c.end().catch(() => {});
  };

  return {
    async acquire() {
      if (client && leading) {
        const held = client;
        try {
          // A live session still holds its session-level lock; a dead one has lost it.
          await held.query('SELECT 1');
          return true;
        } catch (err) {
          logger.warn({ err }, 'the periodic-task leader lost its database session');
          drop(held);
          return false;
        }
      }
      let c: pg.Client | undefined;
      try {
        const options = database.pool.options;
        c = new pg.Client({
          ...options,
          // pg-pool keeps the password non-enumerable: copy it explicitly.
          password: options.password,
          application_name: 'review-invites leader',
          keepAlive: true,
          // A half-open socket must not make a leader believe it still leads.
          query_timeout: 10_000,
        } as pg.ClientConfig);
        const mine = c;
        mine.on('error', () => drop(mine));
        await mine.connect();
        await mine.query(`SET idle_session_timeout = ${Math.max(1000, Math.round(settings.idleSessionTimeoutMs))}`);
        const won = (await mine.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LEADER_LOCK_KEY])).rows[0]?.ok === true;
        if (!won) {
          await mine.end().catch(() => {});
          return false;
        }
        client = mine;
        leading = true;
        logger.info('this worker now runs the periodic tasks (advisory lock won)');
        return true;
      } catch (err) {
        logger.warn({ err }, 'could not check periodic-task leadership');
        await c?.end().catch(() => {});
        return false;
      }
    },
    async release() {
      const c = client;
      if (!c) return;
      client = undefined;
      leading = false;
      await c.query('SELECT pg_advisory_unlock($1)', [LEADER_LOCK_KEY]).catch(() => {});
      await c.end().catch(() => {});
    },
  };
}
