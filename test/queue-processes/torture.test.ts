/**
 * `npm run torture` itself, small: it prints every invariant with its figures — the rolling budgets
 * it seeds and the connections its SMTP server drops included — and a SIGTERM in the middle of a run
 * stops it, its workers and its scratch database. PostgreSQL only (TEST_DATABASE_URL).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../cli/cli-process.ts';
import { serverUrl } from '../helpers/test-databases.ts';
import { ensureBuilt } from '../helpers/worker-process.ts';

type Run = { code: number | null; signal: NodeJS.Signals | null; output: string };

function torture(args: string[], options: { onOutput?: (output: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts', 'torture.ts'), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TORTURE_DATABASE_URL: process.env.TEST_DATABASE_URL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    options.onOutput?.(output, child);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, output })));
}

const line = (output: string, id: string) => output.split('\n').find((l) => new RegExp(`^(PASS|FAIL) ${id} `).test(l)) ?? `no ${id} line`;
const databaseOf = (output: string) => /database (ri_torture_\w+);/.exec(output)?.[1];

describe.skipIf(!process.env.TEST_DATABASE_URL)('npm run torture', { timeout: 400_000 }, () => {
  let admin: pg.Client;
  const created: string[] = [];
  beforeAll(async () => {
    await ensureBuilt();
    admin = new pg.Client({ connectionString: serverUrl(process.env.TEST_DATABASE_URL!, 'postgres') });
    await admin.connect();
  });
  afterAll(async () => {
    // Whatever a failed run left behind.
    for (const name of created) await admin?.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin?.end();
  });
  const exists = async (name: string) => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;

  it('--help says what --duration means; an unknown option is a usage error', async () => {
    const help = await torture(['--help']);
    expect(help.code).toBe(0);
    expect(help.output).toMatch(/--duration <s> +a cap, not a length: the run ends as soon as the queue has drained/);
    const wrong = await torture(['--invitatons', '10']);
    expect(wrong.code).toBe(2);
    expect(wrong.output).toMatch(/Unknown option '--invitatons'/);
  });

  it('a small run with budgets that bind, kills and dropped connections reports every invariant, then drops its database', async () => {
    // Three workers, a kill every 6 s: each lives ~18 s, time to boot and lead even on a loaded machine (with
    // two workers killed every 4 s, both can be booting at once and nobody sweeps — a test, not a queue, fault).
    const run = await torture(['--invitations', '600', '--workers', '3', '--tenants', '3', '--kill-every', '6', '--rate-window', '5', '--rate-windows', '3', '--drop-every', '40', '--duration', '240']);
    const name = databaseOf(run.output);
    if (name) created.push(name);
    expect(run.output).toMatch(/email budgets per 5 s: tenant \d+ 50 \(of 150\), tenant \d+ 50 \(of 150\)/);
    for (const id of ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'RL', 'RL-SINK', 'RUN', 'KILL', 'TERM', 'SUPP', 'DROP']) expect(line(run.output, id), run.output).toMatch(/^PASS /);
    // Where the provider sees them: receipts trail their claims, and still no window holds more than the budget.
    expect(line(run.output, 'RL-SINK')).toMatch(/^PASS RL-SINK .*limit 50 per 5 s\): at most \d+ received/);
    expect(line(run.output, 'DROP')).toMatch(/: [1-9]\d* dropped by the SMTP server/);
    expect(name && (await exists(name))).toBe(false);
  });

  it('SIGTERM mid-run: stops the workers, drops the scratch database, exits 143', async () => {
    let signalled = false;
    const run = await torture(['--invitations', '20000', '--workers', '2', '--kill-every', '0', '--rate-window', '60', '--duration', '600'], {
      onOutput: (output, child) => {
        // Once the run is going (workers up, invitations flowing), as a CI timeout would.
        if (!signalled && /sink received [1-9]/.test(output)) {
          signalled = true;
          child.kill('SIGTERM');
        }
      },
    });
    const name = databaseOf(run.output);
    if (name) created.push(name);
    expect(signalled, run.output).toBe(true);
    expect(run.code, run.output).toBe(143);
    expect(run.output).toMatch(/SIGTERM: cleaning up/);
    expect(name).toBeDefined();
    expect(await exists(name!)).toBe(false);
  });
});
