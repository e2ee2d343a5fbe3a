/**
 * Real `review-invites work` (and `serve`) processes (bin/review-invites.js → dist/) for the
 * multi-process queue tests and `npm run torture`: spawn with a scratch environment, then SIGKILL,
 * SIGSTOP/SIGCONT, SIGTERM or restart them. Plain Node (no vitest) so the torture script can use it.
 *
 * Each worker's connections carry application_name `ri-worker-<name>` (`ri-server-<name>` for a
 * server), set through the connection URL, which node-postgres lets override the pool's own name:
 * that is how pg_stat_activity and pg_terminate_backend find the workers' sessions and nobody else's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const binPath = path.join(repoRoot, 'bin', 'review-invites.js');

export const WORKER_APPLICATION_PREFIX = 'ri-worker-';
/** Review and unsubscribe links use it; so does every Message-ID (`<invitation-<id>@reviews.example.test>`). */
export const WORKER_PUBLIC_URL = 'https://reviews.example.test';
const MAX_OUTPUT = 4 * 1024 * 1024;

export type WorkerSettings = {
  databaseUrl: string;
  smtpUrl: string;
  /** Scratch directory (DATA_DIR is resolved from it even though PostgreSQL is used). */
  cwd: string;
  /** Overrides of the defaults below (WORKER_*, SMTP_TIMEOUT_MS, LOG_LEVEL, ...). */
  env?: Record<string, string>;
};

/** Short leases and ticks so crash recovery happens within a test; the SMTP timeout stays below half the lease. */
export const fastWorkerEnv: Record<string, string> = {
  WORKER_LEASE_MS: '3000',
  SMTP_TIMEOUT_MS: '1200',
  WORKER_POLL_MS: '50',
  WORKER_PERIODIC_MS: '500',
  WORKER_SHUTDOWN_GRACE_MS: '5000',
  WORKER_CONCURRENCY: '10',
  WORKER_BATCH_SIZE: '20',
  DATABASE_POOL_SIZE: '4',
  LOG_LEVEL: 'warn',
};

export type WorkerExit = { code: number | null; signal: NodeJS.Signals | null };

export type WorkerProcess = {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** stdout (pino JSON lines) and stderr, interleaved as received. */
  output(): string;
  /** Parsed JSON log lines whose msg matches. */
  logs(msg: RegExp): Record<string, unknown>[];
  readonly exited: Promise<WorkerExit>;
  isRunning(): boolean;
  /** The process was ended by this helper (kill/stop), so its exit is no failure. */
  readonly endedOnPurpose: boolean;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<WorkerExit>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<WorkerExit>;
  /** Resolves (with its worker id) once its heartbeat row (worker_heartbeats.pid) is in the database; a server: once /readyz answers. */
  ready(pool: Pick<pg.Pool, 'query'>, timeoutMs?: number): Promise<string>;
};

let built: Promise<void> | undefined;

/**
 * bin/ rebuilds dist/ when src/ is newer (a colleague's edit during a test run): pay that once, up
 * front, instead of inside every worker start — a worker busy compiling is no worker.
 */
export function ensureBuilt(): Promise<void> {
  built ??= new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, '--version'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`review-invites --version exited ${code}:\n${stderr}`))));
  });
  return built;
}

function withApplicationName(url: string, applicationName: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', applicationName);
  return u.toString();
}

export function spawnWorker(name: string, settings: WorkerSettings): WorkerProcess {
  return spawnCommand('work', name, settings);
}

/**
 * A `review-invites serve` process (HTTP only, no worker) on 127.0.0.1:`port`, for tests of serve
 * and work processes side by side; ready() still works (it waits for /readyz instead of a heartbeat).
 */
export function spawnServer(name: string, settings: WorkerSettings, port: number): WorkerProcess {
  return spawnCommand('serve', name, { ...settings, env: { HOST: '127.0.0.1', PORT: String(port), ...settings.env } });
}

function spawnCommand(command: 'work' | 'serve', name: string, settings: WorkerSettings): WorkerProcess {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: withApplicationName(settings.databaseUrl, `${command === 'work' ? WORKER_APPLICATION_PREFIX : 'ri-server-'}${name}`),
    SMTP_URL: settings.smtpUrl,
    DATA_DIR: path.join(settings.cwd, 'data'),
    PUBLIC_URL: WORKER_PUBLIC_URL,
    SECRET_KEY: 'queue-process-secret-0123456789abcdefghijkl',
    MAIL_FROM: 'Example Shop <reviews@shop.example>',
    ...fastWorkerEnv,
    ...settings.env,
  };
  const child = spawn(process.execPath, [binPath, command], { cwd: settings.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: string) => {
    if (output.length < MAX_OUTPUT) output += chunk;
  };
  child.stdout!.setEncoding('utf8').on('data', collect);
  child.stderr!.setEncoding('utf8').on('data', collect);
  let purpose = false;
  const exited = new Promise<WorkerExit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const running = () => child.exitCode === null && child.signalCode === null;
  const end = (signal: NodeJS.Signals) => {
    purpose = true;
    if (running()) {
      // A stopped process cannot act on SIGTERM until it runs again.
      if (signal !== 'SIGKILL') child.kill('SIGCONT');
      child.kill(signal);
    }
    return exited;
  };

  return {
    name,
    pid: child.pid!,
    child,
    output: () => output,
    logs(msg) {
      const lines: Record<string, unknown>[] = [];
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (typeof parsed.msg === 'string' && msg.test(parsed.msg)) lines.push(parsed);
        } catch {
          // a line cut by the output cap
        }
      }
      return lines;
    },
    exited,
    isRunning: running,
    get endedOnPurpose() {
      return purpose;
    },
    signal(signal) {
      if (running()) child.kill(signal);
    },
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    async ready(pool, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (command === 'serve') {
          const ok = await fetch(`http://127.0.0.1:${env.PORT}/readyz`).then((r) => r.ok, () => false);
          if (ok) return name;
        } else {
          const { rows } = await pool.query<{ worker_id: string }>('SELECT worker_id FROM worker_heartbeats WHERE pid = $1', [child.pid]);
          if (rows[0]) return rows[0].worker_id;
        }
        if (!running()) throw new Error(`worker ${name} exited before it was ready:\n${output.slice(-4000)}`);
        if (Date.now() > deadline) throw new Error(`worker ${name} not ready after ${timeoutMs} ms:\n${output.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** N workers named w1..wN; restart() replaces one by a fresh process under the same name. */
export type WorkerFleet = {
  /** The processes running now (one per name). */
  readonly current: WorkerProcess[];
  /** Every process ever started, for their logs. */
  readonly all: WorkerProcess[];
  ready(pool: Pick<pg.Pool, 'query'>): Promise<void>;
  /** SIGKILL worker i, start a fresh one in its place. */
  restart(index: number): Promise<WorkerProcess>;
  /** Processes that exited without this helper ending them, with the tail of their output. */
  unexpectedExits(): string[];
  /** Count of log lines, across every process, whose msg matches. */
  countLogs(msg: RegExp): number;
  killAll(): Promise<void>;
};

export function startWorkerFleet(size: number, settings: WorkerSettings): WorkerFleet {
  const current = Array.from({ length: size }, (_, i) => spawnWorker(`w${i + 1}`, settings));
  const all = [...current];
  return {
    current,
    all,
    async ready(pool) {
      await Promise.all(current.map((w) => w.ready(pool)));
    },
    async restart(index) {
      const old = current[index]!;
      await old.kill();
      const fresh = spawnWorker(old.name, settings);
      current[index] = fresh;
      all.push(fresh);
      return fresh;
    },
    unexpectedExits() {
      return all
        .filter((w) => !w.isRunning() && !w.endedOnPurpose)
        .map((w) => `${w.name} (pid ${w.pid}) exited ${w.child.exitCode ?? w.child.signalCode}:\n${w.output().slice(-4000)}`);
    },
    countLogs: (msg) => all.reduce((n, w) => n + w.logs(msg).length, 0),
    async killAll() {
      await Promise.all(current.map((w) => w.kill()));
    },
  };
}
