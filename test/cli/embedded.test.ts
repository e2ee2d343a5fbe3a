/**
 * The binary end to end on one embedded (PGlite) data directory, in the order a new user meets it:
 * migrate, first start with the demo tenant, a second process refused, tenants and keys, a restart.
 * One data directory for the whole file: every fresh PGlite directory costs seconds and ~500 MB.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, runCliJson, scratchDir, startCli, stopCli, type CliProcess } from './cli-process.ts';

type TenantJson = { tenant: { id: number; slug: string }; api_key: { id: number; key: string } };

describe('review-invites on an embedded data directory', { timeout: 180_000 }, () => {
  let cwd: string;
  let env: Record<string, string>;
  let apiUrl: string;
  const running: CliProcess[] = [];

  beforeAll(async () => {
    cwd = await scratchDir();
    const port = await freePort();
    apiUrl = `http://localhost:${port}/api/v1`;
    env = { DATA_DIR: path.join(cwd, 'data'), PORT: String(port), WORKER_POLL_MS: '100' };
    // Compiles src/ into dist/ if needed, so no test below pays for the build.
    const version = await runCli(['--version'], { cwd, env });
    expect(version.code, version.stderr).toBe(0);
  });

  afterAll(async () => {
    await Promise.all(running.map((p) => stopCli(p, 'SIGKILL')));
    await rm(cwd, { recursive: true, force: true });
  });

  it('migrate creates the schema in a fresh data directory, then has nothing left to do', async () => {
    const first = await runCli(['migrate'], { cwd, env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/applied 0001_init\.sql/);
    const again = await runCliJson<{ applied: string[]; current_version: number }>(['migrate'], { cwd, env });
    expect(again.applied).toEqual([]);
    expect(again.current_version).toBeGreaterThanOrEqual(1);
  });

  it('first start prints the demo key and a curl example that works as printed; a second process is refused; SIGTERM exits 0', async () => {
    const server = await startCli(['start'], { cwd, env });
    running.push(server);
    const out = server.stdout();
    expect(out).toContain(`API        ${apiUrl}`);
    expect(out).toContain(`${apiUrl.replace('/api/v1', '')}/docs`);
    expect(out).toMatch(/shown only this once/);

    // Run the printed curl command's request exactly as printed.
    const curl = out.match(/curl -X POST (\S+) -H "Authorization: Bearer (\S+)" -H "Content-Type: application\/json" -d '(.+)'/);
    expect(curl, out).not.toBeNull();
    const [, url, key, body] = curl!;
    expect(key).toMatch(/^ri_live_[0-9A-Za-z]{43}$/);
    const res = await fetch(url!, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
    const json = (await res.json()) as { ok: boolean; review_url: string };
    expect(res.status, JSON.stringify(json)).toBe(200);
    expect(json.ok).toBe(true);
    expect(json.review_url).toMatch(/\/r\/[A-Za-z0-9_-]{43}$/);

    const second = await runCli(['start'], { cwd, env: { ...env, PORT: String(await freePort()) } });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/data directory .* is in use by another review-invites process \(pid \d+\)/);
    expect(second.stdout).not.toMatch(/ri_live_/);

    const stopped = await stopCli(server);
    expect(stopped.signal).toBeNull();
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/"msg":"stopped"/);
  });

  it('tenants and keys from the CLI authenticate against a later start, which prints no key; a revoked key gets 401', async () => {
    const acme = await runCliJson<TenantJson>(['tenants', 'create', '--name', 'Acme Shop', '--timezone', 'Europe/Berlin', '--limit', '50'], { cwd, env });
    expect(acme.tenant.slug).toBe('acme-shop');
    expect(acme.api_key.key).toMatch(/^ri_live_[0-9A-Za-z]{43}$/);
    const extra = await runCliJson<TenantJson>(['keys', 'create', '--tenant', 'acme-shop', '--name', 'woocommerce'], { cwd, env });
    const revoked = await runCli(['keys', 'revoke', '--tenant', String(acme.tenant.id), String(extra.api_key.id)], { cwd, env });
    expect(revoked.code, revoked.stderr).toBe(0);
    const keys = await runCliJson<{ id: number; revoked_at: string | null }[]>(['keys', 'list', '--tenant', 'acme-shop'], { cwd, env });
    expect(keys.map((k) => [k.id, k.revoked_at !== null])).toEqual([
      [acme.api_key.id, false],
      [extra.api_key.id, true],
    ]);
    const tenants = await runCliJson<{ slug: string; invitations_per_hour: number }[]>(['tenants', 'list'], { cwd, env });
    expect(tenants.map((t) => t.slug)).toEqual(['demo', 'acme-shop']);
    expect(tenants[1]!.invitations_per_hour).toBe(50);

    const server = await startCli(['start'], { cwd, env });
    running.push(server);
    expect(server.stdout()).toContain(`API        ${apiUrl}`);
    expect(server.stdout()).not.toMatch(/ri_live_/);

    const post = (key: string) =>
      fetch(`${apiUrl}/invitations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'max@example.com', name: 'Max Muster', order_ref: 'A-1' }),
      });
    const accepted = await post(acme.api_key.key);
    const invitation = (await accepted.json()) as { review_url: string };
    expect(accepted.status).toBe(200);
    expect((await post(extra.api_key.key)).status).toBe(401);

    // The worker delivers into the outbox (no SMTP_URL); wait for it over the API while the server runs.
    let captured = 0;
    while (captured === 0) {
      const res = await fetch(`${apiUrl}/outbox`, { headers: { authorization: `Bearer ${acme.api_key.key}` } });
      expect(res.status).toBe(200);
      captured = ((await res.json()) as { messages: unknown[] }).messages.length;
      if (captured === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect((await stopCli(server)).code).toBe(0);

    // The data directory is free again: the CLI reads the outbox, review link included.
    const outbox = await runCliJson<{ id: number; tenant: string; to: string; subject: string; review_url: string }[]>(['outbox', '--tenant', 'acme-shop'], { cwd, env });
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ tenant: 'acme-shop', review_url: invitation.review_url });
    expect(outbox[0]!.to).toContain('max@example.com');
    const shown = await runCli(['outbox', '--show', String(outbox[0]!.id)], { cwd, env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Subject: ${outbox[0]!.subject}`);
    expect(shown.stdout).toContain(invitation.review_url);
  });

  it('usage and configuration mistakes exit 2 with one line on stderr', async () => {
    const missing = await runCli(['tenants', 'create'], { cwd, env });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe("error: required option '--name <name>' not specified");
    const badLimit = await runCli(['tenants', 'create', '--name', 'X', '--limit', 'lots'], { cwd, env });
    expect(badLimit.code).toBe(2);
    const badZone = await runCli(['tenants', 'create', '--name', 'X', '--timezone', 'Mars/Olympus'], { cwd, env });
    expect(badZone.code).toBe(2);
    expect(badZone.stderr.trim().split('\n')).toHaveLength(1);
    const badPort = await runCli(['migrate'], { cwd, env: { ...env, PORT: 'eighty' } });
    expect(badPort.code).toBe(2);
    expect(badPort.stderr.trim()).toBe('review-invites: configuration error: PORT must be an integer >= 0, got "eighty"');
    const unknownTenant = await runCli(['keys', 'list', '--tenant', 'nobody'], { cwd, env });
    expect(unknownTenant.code).toBe(1);
    expect(unknownTenant.stderr.trim()).toBe('review-invites: No tenant with id or slug "nobody" (see: review-invites tenants list)');
  });
});
