/**
 * The DATA_DIR lock (PGlite has none of its own): a live holder is refused, a dead one's lock is taken
 * over, and when several processes find the same stale lock at once exactly one of them wins.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from '../../src/db/data-dir-lock.ts';

/** A pid no process has: far above pid_max's default, and checked. */
function deadPid(): number {
  for (let pid = 4_000_000; ; pid++) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
}

describe('data directory lock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ri-lock-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('refuses a second holder while the first lives, naming its pid, and frees on release', () => {
    const first = lockDataDir(dir);
    // Our own pid in the file would read as "mine"; a live foreign pid is what another process leaves.
    return writeFile(first.file, `${process.ppid}\n`).then(() => {
      expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
      expect(() => lockDataDir(dir)).toThrow(`pid ${process.ppid}`);
    });
  });

  it('takes over the lock of a process that died', async () => {
    await writeFile(path.join(dir, 'review-invites.lock'), `${deadPid()}\n`);
    const lock = lockDataDir(dir);
    expect((await readFile(lock.file, 'utf8')).trim()).toBe(String(process.pid));
    lock.release();
    expect(() => lockDataDir(dir).release()).not.toThrow();
  });

  it('lets exactly one of six processes racing for one stale lock win', async () => {
    await writeFile(path.join(dir, 'review-invites.lock'), `${deadPid()}\n`);
    // All six call lockDataDir at the same instant (after their slow start-up), to meet in the takeover.
    const startAt = Date.now() + 4000;
    const script = `
      import { lockDataDir } from ${JSON.stringify(path.resolve('src/db/data-dir-lock.ts'))};
      while (Date.now() < ${startAt});
      try { lockDataDir(process.argv[1]); console.log('won'); setTimeout(() => {}, 1500); }
      catch (err) { console.log(err.name === 'DataDirLockedError' ? 'refused' : 'error ' + err.message); }`;
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () =>
        new Promise<string>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.on('exit', () => resolve(out.trim()));
        }),
      ),
    );
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(5);
  }, 60_000);
});
