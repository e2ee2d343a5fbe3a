/**
 * The binary in scale-out mode (DATABASE_URL): `serve` and `work` as separate processes on one
 * PostgreSQL database, the CLI working beside them, and shutdown on signals. Runs when
 * TEST_DATABASE_URL is set (CI sets it), on a scratch database cloned from the migrated template.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-databases.ts';
import { freePort, runCli, runCliJson, scratchDir, startCli, stopCli, type CliProcess } from './cli-process.ts';

type TenantJson = { tenant: { id: number; slug: string }; api_key: { id: number; key: string } };

describe.skipIf(!process.env.TEST_DATABASE_URL)('review-invites on PostgreSQL', { timeout: 180_000 }, () => {
  let database: TestDatabase;
  let cwd: string;
  let env: Record<string, string>;
  let apiUrl: string;
  const running: CliProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres', { poolSize: 1 });
    cwd = await scratchDir();
    const port = await freePort();
    apiUrl = `http://localhost:${port}/api/v1`;
    env = { DATABASE_URL: database.url!, DATA_DIR: path.join(cwd, 'data'), PORT: String(port), WORKER_POLL_MS: '100' };
    const version = await runCli(['--version'], { cwd, env });
    expect(version.code, version.stderr).toBe(0);
  });

  afterAll(async () => {
    await Promise.all(running.map((p) => stopCli(p, 'SIGKILL')));
    await database?.drop();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  const invite = (key: string, orderRef: string) =>
    fetch(`${apiUrl}/invitations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'jane@example.com', name: 'Jane Doe', order_ref: orderRef }),
    });

  it('serve and work run as separate processes; the CLI works beside them; a revoked key is refused at once', async () => {
    const server = await startCli(['serve'], { cwd, env });
    running.push(server);
    const worker = await startCli(['work'], { cwd, env });
    running.push(worker);
    // `serve` never creates the demo tenant: that is the single-process first-run experience only.
    expect(server.stdout()).not.toMatch(/ri_live_/);

    // No DATA_DIR lock on PostgreSQL: the CLI runs next to both processes.
    const tenant = await runCliJson<TenantJson>(['tenants', 'create', '--name', 'Scale Shop'], { cwd, env });
    const res = await invite(tenant.api_key.key, 'S-1');
    expect(res.status).toBe(200);

    // Only the `work` process delivers (serve has no worker): the capture proves the split works.
    let delivered = false;
    while (!delivered) {
      const row = await database.db.selectFrom('invitations').select('state').where('tenant_id', '=', tenant.tenant.id).executeTakeFirstOrThrow();
      delivered = row.state === 'sent';
      if (!delivered) await new Promise((r) => setTimeout(r, 200));
    }
    const outbox = await runCliJson<{ to: string }[]>(['outbox', '--tenant', tenant.tenant.slug], { cwd, env });
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.to).toContain('jane@example.com');

    const revoke = await runCli(['keys', 'revoke', '--tenant', tenant.tenant.slug, String(tenant.api_key.id)], { cwd, env });
    expect(revoke.code, revoke.stderr).toBe(0);
    expect((await invite(tenant.api_key.key, 'S-2')).status).toBe(401);

    const [s, w] = await Promise.all([stopCli(server), stopCli(worker)]);
    expect([s.code, w.code]).toEqual([0, 0]);
    expect(existsSync(env.DATA_DIR!)).toBe(false);
  });

  it('a second signal ends a shutdown that is waiting for an in-flight delivery', async () => {
    // An SMTP server that accepts and never greets keeps one delivery in flight for as long as we like.
    const sockets: net.Socket[] = [];
    let connected!: () => void;
    const smtpConnected = new Promise<void>((r) => (connected = r));
    const smtp = net.createServer((socket) => {
      sockets.push(socket);
      connected();
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const smtpPort = (smtp.address() as net.AddressInfo).port;
    try {
      const key = (await runCliJson<TenantJson>(['tenants', 'create', '--name', 'Slow Mail Shop'], { cwd, env })).api_key.key;
      const slowEnv = {
        ...env,
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        SMTP_TIMEOUT_MS: '120000',
        WORKER_LEASE_MS: '300000',
        WORKER_SHUTDOWN_GRACE_MS: '120000',
      };
      const server = await startCli(['start'], { cwd, env: slowEnv });
      running.push(server);
      expect((await invite(key, 'S-3')).status).toBe(200);
      await smtpConnected;

      server.child.kill('SIGTERM');
      await server.waitForStdout(/"msg":"shutting down"/);
      server.child.kill('SIGTERM');
      const result = await server.exited;
      expect(result.code).toBe(143);
      expect(result.stdout).toMatch(/"msg":"second signal: exiting without waiting"/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => smtp.close(r));
    }
  });
});
