/**
 * A large file is streamed, never loaded: importing it must not grow the live heap by more than a
 * fraction of the file. The live heap is read after a forced GC every few chunks, so garbage waiting
 * for collection does not count.
 *
 * - The dry run (50,000 rows, ~18 MB; 1,000,000 with RI_SLOW=1) reads, parses and checks every row
 *   like an import does, on both engines.
 * - REAL writes — orders, history, customers and an invitation per row, through recordOrders in
 *   chunks — run 100,000 rows (~37 MB) on PostgreSQL and 50,000 on PGlite in CI. RI_SLOW=1 runs the
 *   1,000,000-row real import on PostgreSQL (~15 minutes at ~1,000 rows/s on a shared 2-core machine;
 *   too slow for CI, and for PGlite at all). bench/import/import-bench.ts measures the same import's
 *   rate and RSS.
 */
import { rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOrders } from '../../src/app/import-orders.ts';
import { createTenant } from '../../src/app/tenants.ts';
import { writeOrdersCsv } from '../../bench/import/orders-csv.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestClock, createTestServices, type TestServices } from '../helpers/test-services.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SLOW = process.env.RI_SLOW === '1';
const ROWS = SLOW ? 1_000_000 : 50_000;
const REAL_ROWS = { postgres: SLOW ? 1_000_000 : 100_000, pglite: 50_000 } as const;

describe.each(engines)('import memory on %s', (engine) => {
  let s: TestServices;
  let tenantId: number;
  const file = path.join(os.tmpdir(), `ri-import-memory-${process.pid}-${engine}.csv`);
  const realFile = path.join(os.tmpdir(), `ri-import-memory-${process.pid}-${engine}-real.csv`);
  let size = 0;

  beforeAll(async () => {
    s = await createTestServices(engine, { clock: createTestClock(new Date('2026-11-23T10:00:00Z')) });
    tenantId = (await createTenant(s.deps, { name: 'Big Import' })).tenant.id;
    size = await writeOrdersCsv(file, ROWS, new Date('2024-01-01T00:00:00Z'));
  });
  afterAll(async () => {
    await rm(file, { force: true });
    await rm(realFile, { force: true });
    await s?.dispose();
  });

  it(`checks ${ROWS} rows with the live heap growing by far less than the file`, { timeout: 600_000 }, async () => {
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let batches = 0;
    const report = await importOrders(s.deps, tenantId, createReadStream(file), {
      format: 'csv',
      dryRun: true,
      onProgress: () => {
        if (++batches % 10 !== 0) return;
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      },
    });
    expect(report).toMatchObject({ rows: ROWS, valid: ROWS, errors: 0 });
    expect(batches).toBeGreaterThan(20);
    expect(size).toBeGreaterThan(ROWS * 300);
    expect(peak).toBeLessThan(size / 4);
  });

  it(`imports ${REAL_ROWS[engine]} rows for real — orders, customers, invitations — with the live heap flat`, { timeout: SLOW ? 3_600_000 : 600_000 }, async () => {
    const rows = REAL_ROWS[engine];
    const bytes = await writeOrdersCsv(realFile, rows, new Date('2025-01-01T00:00:00Z'));
    const tenant = (await createTenant(s.deps, { name: 'Real Import' })).tenant.id;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let chunks = 0;
    const report = await importOrders(s.deps, tenant, createReadStream(realFile), {
      format: 'csv',
      onProgress: () => {
        if (++chunks % 10 !== 0) return;
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      },
    });
    expect(report).toMatchObject({ rows, imported: rows, invitations_created: rows, errors: 0 });
    const counted = await s.deps.db.selectFrom('invitations').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenant).executeTakeFirstOrThrow();
    expect(Number(counted.n)).toBe(rows);
    expect(chunks).toBeGreaterThanOrEqual(rows / 1000);
    // Flat: at most what two chunks in flight hold (one being written, one being read; 5-8 MB
    // measured), whatever the number of rows. Holding the rows or their outcomes would take several
    // times the file's size (18 MB at 50,000 rows, 37 MB at 100,000).
    expect(peak).toBeLessThan(Math.min(bytes, 16e6));
  });
});
