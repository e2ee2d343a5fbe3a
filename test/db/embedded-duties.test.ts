/**
 * Embedded mode's duties on a real PGlite data directory (issue 3, build item 5): pg_wal stays near its
 * 64 MB cap however much is written (PGlite has no checkpointer: capPgliteWal does its job), and the
 * DATA_DIR lock of a live process is refused while that of a process that died is taken over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, pgliteMaxWalMb, pgliteWalCheck } from '../../src/db/create-database.ts';
import { DataDirLockedError } from '../../src/db/data-dir-lock.ts';

const MB = 1024 * 1024;

/** Bytes of WAL segment files in pg_wal, as `du` would count them. */
function walOnDisk(pgDir: string): number {
  const wal = path.join(pgDir, 'pg_wal');
  return readdirSync(wal)
    .filter((f) => /^[0-9A-F]{24}$/.test(f))
    .reduce((sum, f) => sum + statSync(path.join(wal, f)).size, 0);
}

/** A real process that takes the DATA_DIR lock through lockDataDir and keeps it until killed. */
async function spawnLockHolder(dataDir: string): Promise<ChildProcess> {
  const script = `
    import { lockDataDir } from ${JSON.stringify(path.resolve('src/db/data-dir-lock.ts'))};
    lockDataDir(process.argv[1]);
    console.log('locked');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
  });
  return child;
}

describe('embedded mode duties', { timeout: 60_000 }, () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ri-embedded-'));
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it(`pg_wal stays near ${pgliteMaxWalMb} MB while four times that is written`, async () => {
    // Starting from the migrated test template instead of an initdb saves seconds.
    const template = new Blob([await readFile(process.env.RI_PGLITE_TEMPLATE!)]);
    const database = await createDatabase({ kind: 'pglite', dataDir, loadDataDir: template });
    const pgDir = path.join(dataDir, 'pg');
    try {
      const lsn = async () => (await database.pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
      const bytes = async (from: string) => Number((await database.pool.query<{ n: string }>(`SELECT (pg_current_wal_lsn() - '${from}'::pg_lsn)::bigint AS n`)).rows[0]!.n);
      await database.pool.query('CREATE TABLE wal_filler (id int, v text)');
      const start = await lsn();
      let worst = 0;
      // ~10 MB of WAL per statement; statements follow each other as fast as PGlite runs them.
      while ((await bytes(start)) < 4 * pgliteMaxWalMb * MB) {
        await database.pool.query("INSERT INTO wal_filler SELECT g, repeat(md5(g::text), 30) FROM generate_series(1, 10000) g");
        worst = Math.max(worst, walOnDisk(pgDir));
      }
      // The checks run every pgliteWalCheck.everyMs: let the last one happen.
      await new Promise((r) => setTimeout(r, 2 * pgliteWalCheck.everyMs));
      const after = walOnDisk(pgDir);
      const written = await bytes(start);
      const figures = `${Math.round(written / MB)} MB written; pg_wal at most ${Math.round(worst / MB)} MB, ${Math.round(after / MB)} MB after`;
      expect(written, figures).toBeGreaterThanOrEqual(4 * pgliteMaxWalMb * MB);
      // The cap, plus one segment in use, plus what a burst writes between two checks.
      expect(after, figures).toBeLessThanOrEqual((pgliteMaxWalMb + 16) * MB);
      expect(worst, figures).toBeLessThanOrEqual((pgliteMaxWalMb + 48) * MB);
    } finally {
      await database.close();
    }
  });

  it('a lock held by a live process is refused, naming it; once that process is SIGKILLed its lock is taken over', async () => {
    const holder = await spawnLockHolder(dataDir);
    const lockFile = path.join(dataDir, 'review-invites.lock');
    try {
      const refused = createDatabase({ kind: 'pglite', dataDir });
      await expect(refused).rejects.toThrow(DataDirLockedError);
      await expect(createDatabase({ kind: 'pglite', dataDir })).rejects.toThrow(`in use by another review-invites process (pid ${holder.pid})`);
    } finally {
      const exited = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGKILL');
      await exited;
    }
    // A crash leaves the lock behind, naming a pid that no longer exists.
    expect((await readFile(lockFile, 'utf8')).trim()).toBe(String(holder.pid));
    expect(() => process.kill(holder.pid!, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));

    const database = await createDatabase({ kind: 'pglite', dataDir });
    try {
      expect((await readFile(lockFile, 'utf8')).trim()).toBe(String(process.pid));
      const { rows } = await database.pool.query<{ n: string }>('SELECT count(*) AS n FROM wal_filler');
      expect(Number(rows[0]!.n)).toBeGreaterThan(0); // the same database, intact
    } finally {
      await database.close();
    }
    expect(existsSync(lockFile)).toBe(false);
  });
});
