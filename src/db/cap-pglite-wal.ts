/**
 * Embedded mode's WAL cap. PGlite runs PostgreSQL as one single-user backend: there is no
 * checkpointer process, and a standalone backend never requests the checkpoint that max_wal_size
 * promises (xlog.c only asks for one under a postmaster). So max_wal_size alone caps nothing: pg_wal
 * grows with everything written until the process closes (measured with PGlite 0.5.16: 208 MB of WAL
 * files after writing 200 MB with max_wal_size = 64MB, 64 MB again after a CHECKPOINT).
 *
 * This does the checkpointer's job: it reads how much WAL was written since the last checkpoint and,
 * past `thresholdBytes`, runs CHECKPOINT — which removes or recycles the segments beyond max_wal_size.
 * It looks whenever a client goes back to the pool at least `everyMs` after its last look (activity
 * drives it: a chain of awaited PGlite queries resolves without ever yielding to timers, so a timer
 * alone would starve through exactly the bursts that matter — measured), and on a timer while idle.
 * Through the pool, so it waits its turn behind a transaction in progress (PGlite has one session).
 * Simple-protocol statements only: no parameters, nothing that can fail half-way.
 */
import type pg from 'pg';

export type WalCap = { stop(): Promise<void> };

export function capPgliteWal(pool: pg.Pool, options: { everyMs: number; thresholdBytes: number }): WalCap {
  let stopped = false;
  let checking: Promise<void> | undefined;
  let lastLook = Date.now();

  const look = async () => {
    try {
      const { rows } = await pool.query<{ since: number }>('SELECT (pg_current_wal_lsn() - redo_lsn)::float8 AS since FROM pg_control_checkpoint()');
      if (!stopped && (rows[0]?.since ?? 0) > options.thresholdBytes) await pool.query('CHECKPOINT');
    } catch {
      // Closing, or the database failing for its own reasons: the next look tries again.
    }
  };
  const maybeLook = () => {
    if (stopped || checking || Date.now() - lastLook < options.everyMs) return;
    lastLook = Date.now();
    checking = look().finally(() => {
      checking = undefined;
      lastLook = Date.now();
    });
  };
  pool.on('release', maybeLook);
  // Housekeeping: never the reason a process stays up.
  const timer = setInterval(maybeLook, options.everyMs).unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      pool.off('release', maybeLook);
      await checking;
    },
  };
}
