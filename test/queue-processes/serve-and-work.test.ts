/**
 * Issue 3 point 1, the deployment itself: several `serve` and several `work` processes on one
 * PostgreSQL database. Both servers take the same orders at the same moment — each order_ref still
 * makes one invitation (I1) — and the workers, who never see the servers, deliver each exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/app/tenants.ts';
import { freePort } from '../cli/cli-process.ts';
import { queueCounts, until } from '../helpers/queue-progress.ts';
import { expectAllPass, openQueueRun, type QueueRun } from '../helpers/queue-run.ts';

const ORDERS = 200;

describe.skipIf(!process.env.TEST_DATABASE_URL)('serve and work processes side by side on PostgreSQL', { timeout: 300_000 }, () => {
  let run: QueueRun | undefined;
  afterEach(async () => {
    await run?.dispose();
    run = undefined;
  });

  it(`two serve processes take the same ${ORDERS} orders at once; three work processes deliver each once`, async () => {
    run = await openQueueRun();
    const { pool } = run.services.database;
    const { apiKey } = await createTenant(run.services.deps, { name: 'Side by side', invitationsPerHour: 100_000 });
    const ports = [await freePort(), await freePort()];
    const servers = ports.map((port, i) => run!.spawnServer(`serve${i + 1}`, port));
    const fleet = await run.startFleet(3);
    await Promise.all(servers.map((s) => s.ready(pool)));

    const post = async (port: number, n: number) => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/invitations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: `buyer${n}@example.com`, name: `Buyer ${n}`, order_ref: `SW-${n}` }),
      });
      return { status: res.status, id: ((await res.json()) as { invitation?: { id: number } }).invitation?.id };
    };
    // Twenty orders at a time, each sent to both servers together.
    const pairs: { status: number; id: number | undefined }[][] = [];
    for (let from = 0; from < ORDERS; from += 20) {
      const batch = Array.from({ length: Math.min(20, ORDERS - from) }, (_, i) => from + i);
      pairs.push(...(await Promise.all(batch.map((n) => Promise.all(ports.map((port) => post(port, n)))))));
    }
    expect(pairs.flat().filter((a) => a.status !== 200)).toEqual([]);
    expect(pairs.filter(([a, b]) => a!.id === undefined || a!.id !== b!.id)).toEqual([]);

    await until(async () => (await queueCounts(run!.services.deps.db)).sent === ORDERS, `the workers to send all ${ORDERS}`, 120_000);
    expect(fleet.unexpectedExits()).toEqual([]);
    expect(run.sink.deliveries).toHaveLength(ORDERS);
    expect(new Set(run.sink.deliveries.map((d) => d.messageId)).size).toBe(ORDERS);
    expectAllPass(await run.invariants({ expectedInvitations: ORDERS, drained: true, sweepSlackMs: 10_000 }));
    expect(await Promise.all(servers.map((s) => s.stop()))).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
  });
});
