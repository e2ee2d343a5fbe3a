/**
 * `review-invites import` and `review-invites simulate` as a user runs them: the real binary, embedded
 * database in a scratch DATA_DIR, output on stdout, progress and refused rows on stderr.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson, scratchDir, withoutBuildOutput } from '../cli/cli-process.ts';

const CSV = [
  'order_ref,store,status,email,first_name,placed_at,status_changed_at,total',
  'K-1,web,completed,k1@example.com,Kim,2026-11-01T09:00:00Z,2026-11-02T09:00:00Z,20',
  'K-2,web,completed,broken-address,Kai,2026-11-01T09:00:00Z,2026-11-02T09:00:00Z,20',
  'K-3,web,processing,k3@example.com,Kit,2026-11-03T09:00:00Z,2026-11-03T09:00:00Z,20',
].join('\n');

describe('import and simulate from the command line', () => {
  let cwd: string;
  let env: Record<string, string>;
  let file: string;

  beforeAll(async () => {
    cwd = await scratchDir();
    env = { DATA_DIR: path.join(cwd, 'data') };
    file = path.join(cwd, 'orders.csv');
    await writeFile(file, CSV);
    await runCliJson(['tenants', 'create', '--name', 'Kiosk'], { cwd, env });
  }, 180_000);
  afterAll(async () => {
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it('imports, shows progress, lists the refused row and exits 1 because of it', async () => {
    const result = await runCli(['import', file], { cwd, env });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('Imported 3 rows for tenant kiosk: 2 new orders, 0 updated, 1 refused.');
    expect(result.stdout).toContain('Invitations scheduled: 1;');
    expect(result.stdout).toContain('Not invited, by reason: not_trigger_status 1.');
    const stderr = withoutBuildOutput(result.stderr);
    expect(stderr).toMatch(/^importing: 100% 3 rows, 1 refused/m);
    expect(stderr).toMatch(/Refused rows:\n {2}line 3: email /);
  }, 120_000);

  it('--dry-run --json checks again without writing; a second tenant makes --tenant necessary', async () => {
    const report = await runCli(['--json', 'import', '--dry-run', '--tenant', 'kiosk', file], { cwd, env });
    expect(JSON.parse(report.stdout)).toMatchObject({ dry_run: true, rows: 3, valid: 2, imported: 0, errors: 1 });
    await runCliJson(['tenants', 'create', '--name', 'Second'], { cwd, env });
    const ambiguous = await runCli(['import', file], { cwd, env });
    expect(ambiguous.code).toBe(2);
    expect(withoutBuildOutput(ambiguous.stderr)).toContain('several tenants: name one with --tenant');
    const unknownFormat = await runCli(['import', '--tenant', 'kiosk', path.join(cwd, 'orders.txt')], { cwd, env });
    expect(unknownFormat.code).toBe(2);
  }, 120_000);

  it('simulate replays a campaign over the stored orders', async () => {
    const result = await runCli(['simulate', '--tenant', 'kiosk', '--campaign', 'default', '--from', '2026-11-01', '--to', '2026-12-01'], { cwd, env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('2 orders, 1 would be invited, 1 would not.');
    expect(result.stdout).toMatch(/not_trigger_status\s+1\s+web\/K-3/);
    expect(result.stdout).toMatch(/web\s+K-1\s+2026-11-09T09:00:00/);
    const bad = await runCli(['simulate', '--tenant', 'kiosk', '--campaign', 'default', '--from', 'soon', '--to', '2026-12-01'], { cwd, env });
    expect(bad.code).toBe(2);
  }, 120_000);
});
