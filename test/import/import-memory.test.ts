/**
 * A large file is streamed, never loaded: importing 50,000 rows (~18 MB) must not grow the live heap
 * by more than a fraction of the file. The live heap is read after a forced GC every few batches, so
 * garbage waiting for collection does not count. The dry run reads, parses and checks every row like
 * an import does; the writes hold one batch at a time. bench/import/import-bench.ts does the same with
 * 1,000,000 rows (RI_SLOW=1 runs it here too).
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

const ROWS = process.env.RI_SLOW === '1' ? 1_000_000 : 50_000;

describe.each(engines)('import memory on %s', (engine) => {
  let s: TestServices;
  let tenantId: number;
  const file = path.join(os.tmpdir(), `ri-import-memory-${process.pid}-${engine}.csv`);
  let size = 0;

  beforeAll(async () => {
    s = await createTestServices(engine, { clock: createTestClock(new Date('2026-11-23T10:00:00Z')) });
    tenantId = (await createTenant(s.deps, { name: 'Big Import' })).tenant.id;
    size = await writeOrdersCsv(file, ROWS, new Date('2024-01-01T00:00:00Z'));
  });
  afterAll(async () => {
    await rm(file, { force: true });
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
});
