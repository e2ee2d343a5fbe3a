/**
 * Embedded mode's WAL cap. PGlite runs PostgreSQL as one single-user backend: there is no
 * checkpointer process, and a standalone backend never requests the checkpoint that max_wal_size
 * promises (xlog.c only asks for one under a postmaster). So max_wal_size alone caps nothing: pg_wal
 * grows with everything written until the process closes (measured with PGlite 0.5.16: 208 MB of WAL
 * files after writing 200 MB with max_wal_size = 64MB, 64 MB again after a CHECKPOINT).
 *
 * This does the checkpointer's job: it reads how much WAL was written since the last checkpoint and,
 * past `thresholdBytes`, runs CHECKPOINT — which removes or recycles the segments beyond max_wal_size.
 * It looks whenever a client goes back to the pool once the time until its next look has passed
 * (activity drives it: a chain of awaited PGlite queries resolves without ever yielding to timers, so a
 * timer alone would starve through exactly the bursts that matter — measured), and on a timer while
 * idle. That time adapts to the write rate: a fixed 500 ms let a fast machine write 100 MB between two
 * looks (pg_wal reached 128 MB in CI); now each look measures the bytes per millisecond since the last
 * one and comes back when half the remaining headroom could be used — every `everyMs` when idle,
 * every few milliseconds during a bulk load. The first look is at the first release and the second
 * right after it (a rate needs two), and the rate is timed from the end of a look, not its start: with
 * a first look only after `everyMs` and a checkpoint's own time counted as load time, a faster machine
 * still reached 128 MB (2026-12-07; 64–96 MB since).
 * Through the pool, so it waits its turn behind a transaction in progress (PGlite has one session).
 * Simple-protocol statements only: no parameters, nothing that can fail half-way.
 */
import type pg from 'pg';

export type WalCap = { stop(): Promise<void> };

/** Never look more often than this, however fast WAL is written: a look is one query. */
const MIN_GAP_MS = 5;

export function capPgliteWal(pool: pg.Pool, options: { everyMs: number; thresholdBytes: number }): WalCap {
  let stopped = false;
  let checking: Promise<void> | undefined;
  // The first release looks at once, and the look after it comes soon: a rate needs two looks, and a
  // bulk load that starts with the process (an import into a fresh DATA_DIR) must not write a whole
  // everyMs' worth of WAL before the first rate is known.
  let nextLookAt = Date.now();
  let previous: { at: number; lsn: number } | undefined;

  const look = async () => {
    let gap = options.everyMs;
    try {
      const { rows } = await pool.query<{ since: number; lsn: number }>(
        "SELECT (pg_current_wal_lsn() - redo_lsn)::float8 AS since, (pg_current_wal_lsn() - '0/0'::pg_lsn)::float8 AS lsn FROM pg_control_checkpoint()",
      );
      const at = Date.now();
      let since = rows[0]?.since ?? 0;
      const lsn = rows[0]?.lsn ?? 0;
      const bytesPerMs = previous && at > previous.at ? (lsn - previous.lsn) / (at - previous.at) : 0;
      if (!stopped && since > options.thresholdBytes) {
        await pool.query('CHECKPOINT');
        since = 0;
      }
      if (previous === undefined) gap = MIN_GAP_MS;
      else if (bytesPerMs > 0) gap = Math.max(MIN_GAP_MS, Math.min(options.everyMs, (options.thresholdBytes - since) / bytesPerMs / 2));
      // The next rate is measured from the end of this look: counting the checkpoint's own time as time
      // the load could have written in would understate the rate and stretch the next gap.
      previous = { at: Date.now(), lsn };
    } catch {
      // Closing, or the database failing for its own reasons: the next look tries again.
    }
    nextLookAt = Date.now() + gap;
  };
  const maybeLook = () => {
    if (stopped || checking || Date.now() < nextLookAt) return;
    checking = look().finally(() => {
      checking = undefined;
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
