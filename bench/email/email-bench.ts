/**
 * The "email" benchmark (issue 5): the whole delivery pipeline against plain pooled nodemailer, into
 * the same local SMTP sink, which runs in a process of its own (smtp-sink-process.ts).
 *
 * - ours: a real `review-invites work` process (bin/review-invites.js, the compiled dist/ — built
 *   before measuring), configured only through its environment as in production: SMTP_URL is the
 *   sink, DATABASE_URL a scratch database, every WORKER_* setting at its default except
 *   WORKER_POLL_MS=50 (the idle poll only delays the first pick-up: with a backlog the worker re-loops
 *   without waiting). A separate process rather than a worker in this one, because that is how the
 *   product runs and so that this harness (which seeds and watches) never shares its event loop. The
 *   invitations are due but held by a provider pause on the tenant's rate key (seed-email-invitations.ts);
 *   the clock starts when the pause is lifted and stops when the sink has every message AND every
 *   invitation is `sent` in the database: claim, send-time re-check, Liquid render, pooled SMTP,
 *   fenced mark-sent, all included.
 * - raw: raw-nodemailer-process.ts, also a process of its own, with the same pool size as our
 *   email channel: the same invitations rendered by our renderer beforehand, handed to the pool all at
 *   once; the clock runs from `go` to the last message accepted.
 *
 * Sides alternate (ours, raw, ours, ...), each run on a fresh queue; medians of ctx.reps runs.
 * Target: ours ≥ 0.8 × raw. Also reported: CPU milliseconds per message of each sending process and
 * of the PostgreSQL backends serving ours (read from /proc; the sink's too, in the log).
 *
 *   npm run bench email [--reps N]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { smtpPoolSize } from '../../src/channels/email/create-email-channel.ts';
import { loadConfig } from '../../src/config.ts';
import { createDatabase, type DatabaseHandle } from '../../src/db/create-database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { withScratchDatabase } from '../bench-database.ts';
import { backendsOf, meterCpu } from '../cpu-meter.ts';
import { alternate, infoResult, median, ratioResult, type Bench, type BenchContext, type BenchResult } from '../bench-result.ts';
import type { RawCommand, RawMessage, RawPrepare } from './raw-nodemailer-process.ts';
import { seedEmailInvitations } from './seed-email-invitations.ts';
import type { SinkCommand, SinkMessage, SinkTally } from './smtp-sink-process.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const bin = path.join(root, 'bin', 'review-invites.js');

const PUBLIC_URL = 'https://reviews.bench.example';
const SECRET_KEY = 'email-bench-secret-0123456789abcdefghijklmnop';
const MAIL_FROM = 'Example Shop <reviews@shop.example>';
const RUN_TIMEOUT_MS = 180_000;
/** The work process's PostgreSQL sessions carry it, so their backends' CPU can be counted. */
const APPLICATION_NAME = 'ri-email-bench-worker';

/** CPU milliseconds per message of the sending process, the sink, and the PostgreSQL backends serving the sender. */
type CpuPerMessage = { sender: number; sink: number; postgres: number };
type Side = { rate: number; cpu: CpuPerMessage };

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

const profileArgs = (dir: string | undefined) => (dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []);

/** A TypeScript script of this folder in its own process, with an IPC channel. */
function spawnScript(script: string, nodeOptions: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeOptions, '--import', 'tsx', path.join(here, script)], { cwd: root, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal === null) console.error(`${script} exited ${code}: ${stderr}`);
  });
  return child;
}

/** The next IPC message of `type` from a child; fails if the child exits or time runs out first. */
function nextMessage<T extends { type: string }>(child: ChildProcess, type: T['type'], timeoutMs = RUN_TIMEOUT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T) => {
      if (m.type !== type) return;
      done();
      resolve(m);
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`child exited (${code}) while waiting for '${type}'`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no '${type}' from the child within ${timeoutMs} ms`));
    }, timeoutMs);
    function done() {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** A script child is told to go by disconnecting (it exits by itself, writing any CPU profile); SIGTERM if it does not. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) {
    child.disconnect();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode !== null || child.signalCode !== null) return;
  }
  child.kill('SIGTERM');
  await exited;
}

type Sink = { url: string; child: ChildProcess; expect(count: number): Promise<SinkTally & { type: 'done' }> };

async function startSink(): Promise<Sink> {
  const child = spawnScript('smtp-sink-process.ts');
  const { port } = await nextMessage<SinkMessage & { type: 'listening' }>(child, 'listening', 60_000);
  return {
    url: `smtp://127.0.0.1:${port}`,
    child,
    expect(count) {
      const done = nextMessage<SinkMessage & { type: 'done' }>(child, 'done');
      child.send({ type: 'expect', count } satisfies SinkCommand);
      return done;
    },
  };
}

async function countStates(database: DatabaseHandle, tenantId: number): Promise<Record<string, number>> {
  const { rows } = await database.pool.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM invitations WHERE tenant_id = $1 GROUP BY state', [tenantId]);
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** The work process's settings besides its database and sink: production defaults but for the idle poll. */
function workerSettings(options: EmailBenchOptions): Record<string, string> {
  return { PUBLIC_URL, SECRET_KEY, MAIL_FROM, WORKER_POLL_MS: '50', ...options.workerEnv };
}

/** The SMTP pool the work process opens (create-email-channel.ts), which the baseline gets too. */
function ourPoolSize(options: EmailBenchOptions): number {
  return smtpPoolSize(loadConfig({ ...workerSettings(options), SMTP_URL: 'smtp://127.0.0.1:25' }, { dotenv: false }).worker.concurrency);
}

/** Ours: a `work` process drains `count` invitations into the sink. */
async function runOurs(database: DatabaseHandle, databaseUrl: string, sink: Sink, count: number, run: number, options: EmailBenchOptions): Promise<Side> {
  const { profileDir } = options;
  const queue = await seedEmailInvitations(database, count, `ours ${run}`);
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'ri-email-bench-'));
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', APPLICATION_NAME);
  const worker = spawn(process.execPath, [...profileArgs(profileDir), options.workerBin ?? bin, 'work'], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      DATABASE_URL: url.toString(),
      SMTP_URL: sink.url,
      DATA_DIR: path.join(cwd, 'data'),
      ...workerSettings(options),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Production logs one line per delivery; they are read (as a log shipper would) and dropped.
  let tail = '';
  const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-8000));
  worker.stdout!.on('data', keep);
  worker.stderr!.on('data', keep);
  try {
    for (const deadline = Date.now() + 120_000; ; ) {
      const { rows } = await database.pool.query('SELECT 1 FROM worker_heartbeats WHERE pid = $1', [worker.pid]);
      if (rows.length > 0) break;
      if (worker.exitCode !== null || Date.now() > deadline) throw new Error(`the work process did not get ready:\n${tail}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const delivered = sink.expect(count);
    const meters = await Promise.all([meterCpu(async () => [worker.pid!]), meterCpu(async () => [sink.child.pid!]), meterCpu(backendsOf(database.pool, APPLICATION_NAME))]);
    await queue.release();
    const t0 = performance.now();
    const tally = await delivered.catch(async (err: unknown) => {
      throw new Error(`${String(err)}; states ${JSON.stringify(await countStates(database, queue.tenantId))}\n${tail}`);
    });
    for (;;) {
      const { rows } = await database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM invitations WHERE tenant_id = $1 AND state = 'sent'", [queue.tenantId]);
      if (rows[0]!.n >= count) break;
      if (performance.now() - t0 > RUN_TIMEOUT_MS) throw new Error(`not all marked sent: ${JSON.stringify(await countStates(database, queue.tenantId))}\n${tail}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const seconds = (performance.now() - t0) / 1000;
    const [sender, sinkCpu, postgres] = await Promise.all(meters.map((stop) => stop()));
    if (tally.distinct !== count) throw new Error(`ours: the sink got ${tally.received} messages, ${tally.distinct} distinct, expected ${count}`);
    return { rate: count / seconds, cpu: { sender: sender! / count, sink: sinkCpu! / count, postgres: postgres! / count } };
  } finally {
    await stopChild(worker);
    await rm(cwd, { recursive: true, force: true });
  }
}

/** Raw: plain pooled nodemailer sends the same (pre-rendered) invitations into the sink. */
async function runRaw(database: DatabaseHandle, databaseUrl: string, sink: Sink, count: number, run: number, options: EmailBenchOptions): Promise<Side> {
  const { profileDir } = options;
  // Seeded as for ours (and left paused: no worker runs) only to render the same messages from.
  const queue = await seedEmailInvitations(database, count, `raw ${run}`);
  const child = spawnScript('raw-nodemailer-process.ts', profileArgs(profileDir));
  try {
    const prepare: RawPrepare = { databaseUrl, tenantId: queue.tenantId, smtpUrl: sink.url, maxConnections: ourPoolSize(options), publicUrl: PUBLIC_URL, secretKey: SECRET_KEY, mailFrom: MAIL_FROM };
    const prepared = nextMessage<RawMessage & { type: 'prepared' }>(child, 'prepared');
    child.send({ type: 'prepare', ...prepare } satisfies RawCommand);
    if ((await prepared).count !== count) throw new Error(`raw: rendered ${(await prepared).count} messages, expected ${count}`);
    const delivered = sink.expect(count);
    const sent = nextMessage<RawMessage & { type: 'sent' }>(child, 'sent');
    const meters = await Promise.all([meterCpu(async () => [child.pid!]), meterCpu(async () => [sink.child.pid!])]);
    const t0 = performance.now();
    child.send({ type: 'go' } satisfies RawCommand);
    const result = await sent;
    const seconds = (performance.now() - t0) / 1000;
    const [sender, sinkCpu] = await Promise.all(meters.map((stop) => stop()));
    if (result.failed > 0) throw new Error(`raw: ${result.failed} messages failed, first: ${result.firstError}`);
    const tally = await delivered;
    if (tally.distinct !== count) throw new Error(`raw: the sink got ${tally.received} messages, ${tally.distinct} distinct, expected ${count}`);
    return { rate: count / seconds, cpu: { sender: sender! / count, sink: sinkCpu! / count, postgres: 0 } };
  } finally {
    await stopChild(child);
  }
}

export type EmailBenchOptions = {
  /** Both sending processes run with `node --cpu-prof` and leave their profiles here. */
  profileDir?: string;
  /** Extra environment of the work process (e.g. WORKER_CONCURRENCY), for experiments. */
  workerEnv?: Record<string, string>;
  /** Another checkout's bin/review-invites.js (a before/after comparison); default this one's. */
  workerBin?: string;
};

export async function runEmailBench(ctx: Pick<BenchContext, 'databaseUrl' | 'reps' | 'log'>, count: number, options: EmailBenchOptions = {}): Promise<{ ours: Side; raw: Side; pool: number }> {
  // Build dist/ once, outside any measurement (the command rebuilds only when src/ changed).
  const built = spawnSync(process.execPath, [options.workerBin ?? bin, '--version'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error('building dist/ failed');
  const sink = await startSink();
  try {
    return await withScratchDatabase(ctx.databaseUrl, 'email', async (url) => {
      const database = await createDatabase({ kind: 'postgres', url, poolSize: 2 });
      try {
        await migrate(database.pool);
        const cpu: Record<'ours' | 'raw', CpuPerMessage[]> = { ours: [], raw: [] };
        let run = 0;
        const side = (name: 'ours' | 'raw', measure: typeof runOurs) => async () => {
          const result = await measure(database, url, sink, count, ++run, options);
          cpu[name].push(result.cpu);
          const c = result.cpu;
          ctx.log(
            `${name.padEnd(4)} ${count} messages: ${Math.round(result.rate).toString().padStart(5)} msg/s; CPU ms/message: sender ${c.sender.toFixed(2)}, ` +
              `postgres ${c.postgres.toFixed(2)}, sink ${c.sink.toFixed(2)}, total ${sum(Object.values(c)).toFixed(2)}`,
          );
          return result.rate;
        };
        const rates = await alternate(ctx.reps, { ours: side('ours', runOurs), raw: side('raw', runRaw) });
        const medianCpu = (runs: CpuPerMessage[]): CpuPerMessage => ({
          sender: median(runs.map((c) => c.sender)),
          sink: median(runs.map((c) => c.sink)),
          postgres: median(runs.map((c) => c.postgres)),
        });
        return { ours: { rate: rates.ours!, cpu: medianCpu(cpu.ours) }, raw: { rate: rates.raw!, cpu: medianCpu(cpu.raw) }, pool: ourPoolSize(options) };
      } finally {
        await database.close();
      }
    });
  } finally {
    await stopChild(sink.child);
  }
}

export const emailBench: Bench = {
  name: 'email',
  describe: 'full pipeline (claim, Liquid render, pooled SMTP, mark sent) into a local SMTP sink vs raw pooled nodemailer',
  async run(ctx): Promise<BenchResult[]> {
    const count = ctx.size === 'smoke' ? 200 : 8_000;
    const { ours, raw, pool } = await runEmailBench(ctx, count);
    return [
      ratioResult('email', `messages/s, ${count} invitations end to end (work process)`, 'msg/s', ours.rate, 'raw pooled nodemailer', raw.rate, 0.8),
      infoResult('email', `raw pooled nodemailer messages/s, pool of ${pool}`, 'msg/s', raw.rate),
      infoResult('email', 'CPU per message: work process', 'ms', ours.cpu.sender),
      infoResult('email', 'CPU per message: PostgreSQL backends of the work process', 'ms', ours.cpu.postgres),
      infoResult('email', 'CPU per message: raw nodemailer process', 'ms', raw.cpu.sender),
    ];
  },
};
