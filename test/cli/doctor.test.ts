/**
 * `review-invites doctor` as cron and monitors run it — the real binary — judged by its exit code:
 * 0 healthy, 1 a problem (migrations not applied, a stuck lease, a database it cannot reach),
 * 2 invalid configuration. The embedded and unreachable cases need no server; the PostgreSQL ones
 * run when TEST_DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, serverUrl, testRunId } from '../helpers/test-databases.ts';
import { seedDueInvitations } from '../helpers/seed-queue.ts';
import { freePort, runCli, scratchDir } from './cli-process.ts';

type DoctorJson = { ok: boolean; problems: string[]; health: { stuckLeases: number } | null; pending_migrations: string[] };

describe('review-invites doctor exit codes', { timeout: 300_000 }, () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await scratchDir();
    // Compiles src/ into dist/ if needed, so no test below pays for the build.
    const version = await runCli(['--version'], { cwd, env: {} });
    expect(version.code, version.stderr).toBe(0);
  });
  afterAll(async () => {
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it('an embedded data directory never migrated: exit 1, "migrations not applied", no SQL error; after migrate: exit 0', async () => {
    const env = { DATA_DIR: path.join(cwd, 'fresh') };
    const sick = await runCli(['doctor'], { cwd, env });
    expect(sick.code, sick.stderr).toBe(1);
    expect(sick.stdout).toMatch(/^PROBLEM: migrations not applied: 0001_init\.sql, /m);
    expect(sick.stdout).toContain('queue: not readable until the migrations are applied');
    expect(`${sick.stdout}${sick.stderr}`).not.toMatch(/relation|does not exist/);

    const json = await runCli(['--json', 'doctor'], { cwd, env });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as DoctorJson;
    expect(report).toMatchObject({ ok: false, health: null });
    expect(report.pending_migrations[0]).toBe('0001_init.sql');
    expect(report.problems).toHaveLength(1);

    expect((await runCli(['migrate'], { cwd, env })).code).toBe(0);
    const healthy = await runCli(['doctor'], { cwd, env });
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
    expect(healthy.stdout).toMatch(/^OK: no problems found$/m);
  });

  it('a database it cannot reach: exit 1, one line on stderr saying so', async () => {
    const port = await freePort(); // nobody listens there
    const result = await runCli(['doctor'], { cwd, env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/nowhere` } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^review-invites: could not read the database: .*ECONNREFUSED/);
  });

  it.each([
    { variable: 'DATABASE_URL', value: 'mysql://db.internal/reviews', message: 'DATABASE_URL must use postgres: or postgresql:' },
    { variable: 'WORKER_LEASE_MS', value: 'soon', message: 'WORKER_LEASE_MS must be an integer' },
  ])('invalid configuration ($variable): exit 2 before touching any database', async ({ variable, value, message }) => {
    const result = await runCli(['doctor'], { cwd, env: { DATA_DIR: path.join(cwd, 'untouched'), [variable]: value } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`configuration error: ${message}`);
    expect(result.stdout).toBe('');
  });

  describe.skipIf(!process.env.TEST_DATABASE_URL)('on PostgreSQL', () => {
    it('healthy → 0; a lease stuck past the sweeper → 1; an empty database → 1, migrations not applied', async () => {
      const database = await createTestDatabase('postgres', { poolSize: 1 });
      const emptyName = `ri_test_${testRunId()}_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: serverUrl(process.env.TEST_DATABASE_URL!, 'postgres') });
      await admin.connect();
      try {
        const env = { DATABASE_URL: database.url! };
        const healthy = await runCli(['doctor'], { cwd, env });
        expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
        expect(healthy.stdout).toMatch(/^OK: no problems found$/m);

        // As a worker that died an hour ago, with no sweeper running since, leaves its invitation.
        await seedDueInvitations(database.db, { invitations: 1, tenants: 1, label: 'Doctor' });
        await sql`UPDATE invitations SET state = 'sending', lease_token = gen_random_uuid(), leased_until = now() - interval '1 hour'`.execute(database.db);
        const stuck = await runCli(['--json', 'doctor'], { cwd, env });
        expect(stuck.code).toBe(1);
        const report = JSON.parse(stuck.stdout) as DoctorJson;
        expect(report.ok).toBe(false);
        expect(report.health?.stuckLeases).toBe(1);
        expect(report.problems).toEqual([expect.stringMatching(/1 invitation\(s\) stuck in 'sending'/)]);

        await admin.query(`CREATE DATABASE "${emptyName}"`);
        const empty = await runCli(['doctor'], { cwd, env: { DATABASE_URL: serverUrl(process.env.TEST_DATABASE_URL!, emptyName) } });
        expect(empty.code, empty.stderr).toBe(1);
        expect(empty.stdout).toMatch(/^PROBLEM: migrations not applied: 0001_init\.sql, /m);
        expect(`${empty.stdout}${empty.stderr}`).not.toMatch(/relation|does not exist/);
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS "${emptyName}" WITH (FORCE)`);
        await admin.end();
        await database.drop();
      }
    });
  });
});
