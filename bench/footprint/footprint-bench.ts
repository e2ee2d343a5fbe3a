/**
 * The "footprint" benchmark (issue 5): what `npm start` costs to run. Each case starts the real
 * command (`node bin/review-invites.js start`, the compiled dist/ — built once before measuring) in a
 * fresh process and measures:
 *
 * - time to ready: from spawn to the `ready` log line (HTTP listening, worker running), then checked
 *   with GET /readyz;
 * - RSS: VmRSS of the process 2 s after ready, with the worker idle-polling.
 *
 * Cases: embedded on an empty DATA_DIR (first start: initdb, migrations, demo tenant), embedded on a
 * DATA_DIR holding 100,000 invitations (the case with targets: ready ≤ 2 s, RSS ≤ 400 MB), and
 * PostgreSQL mode (RSS ≤ 200 MB). Medians over ctx.reps starts of each.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase } from '../../src/db/create-database.ts';
import { withScratchDatabase } from '../bench-database.ts';
import { ceilingResult, infoResult, median, type Bench, type BenchContext, type BenchResult } from '../bench-result.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin', 'review-invites.js');

type Start = { readyMs: number; rssMb: number };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

/** One `start` from spawn to ready, its RSS once settled, then SIGTERM and wait for exit. */
async function measureStart(env: Record<string, string>): Promise<Start> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, 'start'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const readyMs = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.startsWith('{') && (JSON.parse(line) as { msg?: string }).msg === 'ready') resolve(performance.now() - t0);
        }
      });
      void exited.then((code) => reject(new Error(`start exited with ${code} before ready: ${stderr.slice(-2000)}`)));
    });
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    if (ready.status !== 200) throw new Error(`/readyz answered ${ready.status}`);
    await new Promise((r) => setTimeout(r, 2000));
    return { readyMs, rssMb: rssMb(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** Fills a stopped DATA_DIR with `count` invitations of the demo tenant: 90 % sent, 10 % due next month. */
async function seedInvitations(dataDir: string, count: number): Promise<void> {
  const database = await createDatabase({ kind: 'pglite', dataDir });
  try {
    await database.pool.query(`INSERT INTO stores (tenant_id, code, name) VALUES (1, 'footprint', 'Footprint') ON CONFLICT DO NOTHING`);
    await database.pool.query(
      `INSERT INTO orders (tenant_id, store_id, order_ref, status, email, first_name, last_name, total, currency, placed_at, status_changed_at, items, source)
       SELECT 1, (SELECT id FROM stores WHERE tenant_id = 1 AND code = 'footprint'), 'F-' || n, 'completed', 'c' || n || '@example.com', 'First' || n % 100, 'Last' || n % 300, 20 + n % 50, 'EUR',
              now() - interval '60 days' + n * interval '30 seconds', now() - interval '58 days' + n * interval '30 seconds', '[]', 'import'
       FROM generate_series(1, $1::int) n`,
      [count],
    );
    await database.pool.query(
      `INSERT INTO invitations (tenant_id, campaign_id, order_id, order_ref, store_id, email, email_norm, first_name, last_name, name, channel, state,
                                scheduled_at, sent_at, attempts, token_hash, created_at)
       SELECT o.tenant_id, c.id, o.id, o.order_ref, o.store_id, o.email, o.email, o.first_name, o.last_name, o.first_name || ' ' || o.last_name, 'email',
              CASE WHEN o.id % 10 = 0 THEN 'pending' ELSE 'sent' END,
              CASE WHEN o.id % 10 = 0 THEN now() + interval '30 days' ELSE o.status_changed_at + interval '7 days' END,
              CASE WHEN o.id % 10 = 0 THEN NULL ELSE o.status_changed_at + interval '7 days' END,
              CASE WHEN o.id % 10 = 0 THEN 0 ELSE 1 END, sha256(convert_to('footprint/' || o.id, 'UTF8')), o.status_changed_at
       FROM orders o JOIN campaigns c ON c.tenant_id = o.tenant_id AND c.slug = 'default' WHERE o.order_ref LIKE 'F-%'`,
    );
    await database.pool.query('VACUUM ANALYZE');
  } finally {
    await database.close();
  }
}

/**
 * Every run starts on a fresh DATA_DIR, then on a DATA_DIR holding `invitations`. The second is a
 * copy of one seeded directory, made while no process has it open: the bytes each run starts on are
 * the same, and seeding (most of this benchmark's time, ~15 s) happens once, not once per run.
 */
async function embeddedCases(ctx: BenchContext, invitations: number): Promise<{ fresh: Start[]; existing: Start[] }> {
  const fresh: Start[] = [];
  const existing: Start[] = [];
  const seeded = await mkdtemp(path.join(os.tmpdir(), 'ri-footprint-seeded-'));
  try {
    for (let i = 0; i < ctx.reps; i++) {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ri-footprint-'));
      try {
        fresh.push(await measureStart({ DATA_DIR: dataDir }));
        if (i === 0) {
          await seedInvitations(dataDir, invitations);
          await cp(dataDir, seeded, { recursive: true });
        } else {
          await rm(dataDir, { recursive: true, force: true });
          await cp(seeded, dataDir, { recursive: true });
        }
        existing.push(await measureStart({ DATA_DIR: dataDir }));
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await rm(seeded, { recursive: true, force: true });
  }
  return { fresh, existing };
}

export const footprintBench: Bench = {
  name: 'footprint',
  describe: 'npm start: time to ready and RSS, embedded (fresh, and with 100,000 invitations) and on PostgreSQL',
  async run(ctx) {
    // Build once, outside any measurement (the command rebuilds only when src/ changed).
    const built = spawnSync(process.execPath, [bin, '--version'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (built.status !== 0) throw new Error('building dist/ failed');
    const invitations = ctx.size === 'smoke' ? 1_000 : 100_000;
    const { fresh, existing } = await embeddedCases(ctx, invitations);
    const postgres = await withScratchDatabase(ctx.databaseUrl, 'footprint', async (url) => {
      const starts: Start[] = [];
      for (let i = 0; i < ctx.reps; i++) starts.push(await measureStart({ DATABASE_URL: url }));
      return starts;
    });
    const med = (starts: Start[], pick: (s: Start) => number) => median(starts.map(pick));
    const rows: BenchResult[] = [
      infoResult('footprint', 'embedded, fresh DATA_DIR: time to ready', 's', med(fresh, (s) => s.readyMs) / 1000),
      infoResult('footprint', 'embedded, fresh DATA_DIR: RSS', 'MB', med(fresh, (s) => s.rssMb)),
      ceilingResult('footprint', `embedded, ${invitations} invitations: time to ready`, 's', med(existing, (s) => s.readyMs) / 1000, 2),
      ceilingResult('footprint', `embedded, ${invitations} invitations: RSS`, 'MB', med(existing, (s) => s.rssMb), 400),
      infoResult('footprint', 'PostgreSQL mode: time to ready', 's', med(postgres, (s) => s.readyMs) / 1000),
      ceilingResult('footprint', 'PostgreSQL mode: RSS', 'MB', med(postgres, (s) => s.rssMb), 200),
    ];
    return rows;
  },
};
