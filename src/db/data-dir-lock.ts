/**
 * PGlite has no postmaster.pid: two processes on one data directory silently lose committed rows
 * (measured, ../shared/research/stack.md §9.1). This exclusive lock file is what prevents it.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

export type DataDirLock = { readonly file: string; release(): void };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM means the process exists but belongs to someone else: still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined; // gone meanwhile
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Two processes finding the same stale lock must not both "remove the stale one": the second would
 * delete the first one's fresh lock. So removal happens under a takeover file, created exclusively,
 * and only if the lock still names the dead pid; after it, creating the lock (wx) decides the winner.
 * A takeover file older than 10 s is itself left by a crash (it lives for microseconds) and is removed.
 */
function removeStaleLock(file: string, stalePid: number | undefined): void {
  const takeover = `${file}.takeover`;
  try {
    closeSync(openSync(takeover, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    let age = 0;
    try {
      age = Date.now() - statSync(takeover).mtimeMs;
    } catch {
      return; // just released: go round
    }
    if (age > 10_000) rmSync(takeover, { force: true });
    else sleepMs(10);
    return;
  }
  try {
    if (readPid(file) === stalePid) rmSync(file, { force: true });
  } finally {
    rmSync(takeover, { force: true });
  }
}

export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'review-invites.lock');
  for (let tries = 0; tries < 50; tries++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          try {
            if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readPid(file);
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
        throw new DataDirLockedError(
          `The data directory ${dataDir} is in use by another review-invites process (pid ${holder}). ` +
            'Stop it first, or point DATA_DIR elsewhere; to run several processes, use PostgreSQL via DATABASE_URL.',
        );
      }
      // Empty: another process has just created it and is writing its pid. Give it a moment.
      if (holder === undefined && tries < 3) {
        sleepMs(20);
        continue;
      }
      // A crashed process left its lock behind: remove it and go round to create ours.
      removeStaleLock(file, holder);
    }
  }
  throw new DataDirLockedError(`Could not lock the data directory ${dataDir}`);
}
