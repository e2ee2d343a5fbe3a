/**
 * Where a run of worker processes stands — invitations by state, and whether the queue has drained
 * (nothing due, nothing `sending`) — and a wait for the drain that runs the caller's per-tick chores
 * (kill a worker, sample pg_stat_activity, print progress) between looks.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';

export type QueueCounts = { pending: number; due: number; sending: number; sent: number; skipped: number; failed: number };

export async function queueCounts(db: Kysely<Database>): Promise<QueueCounts> {
  const { rows } = await sql<QueueCounts>`
    SELECT count(*) FILTER (WHERE state = 'pending')::int AS pending,
           count(*) FILTER (WHERE state = 'pending' AND scheduled_at <= now())::int AS due,
           count(*) FILTER (WHERE state = 'sending')::int AS sending,
           count(*) FILTER (WHERE state = 'sent')::int AS sent,
           count(*) FILTER (WHERE state = 'skipped')::int AS skipped,
           count(*) FILTER (WHERE state = 'failed')::int AS failed
    FROM invitations`.execute(db);
  return rows[0]!;
}

export const isDrained = (c: QueueCounts) => c.due === 0 && c.sending === 0;

/**
 * Polls every `everyMs` until drained or `timeoutMs` passed. `tick` runs before each look; a failed
 * look (the database briefly unreachable on purpose) is retried on the next one. With skipBackoff,
 * invitations waiting out a retry backoff (15 s and more) are made due at once whenever nothing else
 * is left, so "drained" means every invitation has ended — `retriesPulledForward` counts them.
 */
export async function waitForDrain(
  db: Kysely<Database>,
  options: { timeoutMs: number; everyMs?: number; skipBackoff?: boolean; tick?: (counts: QueueCounts | undefined) => Promise<void> | void },
): Promise<{ drained: boolean; retriesPulledForward: number }> {
  const deadline = Date.now() + options.timeoutMs;
  let counts: QueueCounts | undefined;
  let retriesPulledForward = 0;
  for (;;) {
    await options.tick?.(counts);
    try {
      counts = await queueCounts(db);
      if (isDrained(counts)) {
        if (!options.skipBackoff || counts.pending === 0) return { drained: true, retriesPulledForward };
        const { rows } = await sql<{ n: number }>`
          WITH pulled AS (UPDATE invitations SET scheduled_at = now() WHERE state = 'pending' AND scheduled_at > now() RETURNING 1)
          SELECT count(*)::int AS n FROM pulled`.execute(db);
        retriesPulledForward += rows[0]!.n;
      }
    } catch {
      counts = undefined;
    }
    if (Date.now() > deadline) return { drained: false, retriesPulledForward };
    await new Promise((r) => setTimeout(r, options.everyMs ?? 250));
  }
}

/**
 * Polls `check` until it holds; after timeoutMs (a bound, never an assertion on speed) throws naming
 * `what` and, when given, what `state()` says about the world at that moment.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000, state?: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const seen = state ? `; state then: ${JSON.stringify(await state().catch((err: unknown) => String(err)))}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
