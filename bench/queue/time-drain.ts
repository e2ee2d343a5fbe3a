/**
 * The parent side of a timed drain: spawns real worker processes of one bench script (serve-drain.ts
 * protocol), waits until every one is `ready` (modules loaded, pool connected — boot is not measured),
 * sends `go` to all at once and starts the clock. It stops the clock when the processes' `progress`
 * adds up to every job AND `remaining()` — asked of the database only then, so it adds no load while
 * the workers run — says nothing is left: a job counts once its completion is committed, for every
 * queue alike.
 *
 * Also measured: CPU of the worker processes and of the PostgreSQL backends serving them (found by
 * the application_name the caller put in their connection URL, sampled every 500 ms so that a backend
 * opened or closed mid-run counts up to its last sample), per job.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { backendsOf, cpuMs, meterCpu } from '../cpu-meter.ts';
import type { DrainCommand, DrainMessage } from './serve-drain.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type DrainSpec = {
  /** A script under bench/ run with tsx, speaking serve-drain.ts. */
  script: string;
  processes: number;
  env: Record<string, string>;
  /** Jobs the processes must finish between them. */
  jobs: number;
  /** Jobs not completed yet, read from the queue's database. */
  remaining(): Promise<number>;
  /** The benchmark's pool on the same server: finds the workers' backends in pg_stat_activity. */
  monitor: Pick<pg.Pool, 'query'>;
  /** application_name of the workers' sessions (set in their connection URL by the caller). */
  applicationName: string;
  timeoutMs: number;
  /** Runs while the workers boot (e.g. seeding the queue); they are not released before it is done. */
  whileBooting?: () => Promise<void>;
  /** Runs once every worker is ready, right before `go`. */
  beforeGo?: () => Promise<void>;
  /** Run the workers under `node --cpu-prof`, leaving profiles here. */
  profileDir?: string | undefined;
};

export type DrainTiming = { seconds: number; workerCpuMsPerJob: number; postgresCpuMsPerJob: number };

function spawnWorker(spec: DrainSpec, index: number): { child: ChildProcess; tail: () => string } {
  const profile = spec.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${spec.profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', path.join(root, 'bench', spec.script)], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...spec.env, BENCH_WORKER_INDEX: String(index) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let tail = '';
  const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, tail: () => tail };
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export async function timeDrain(spec: DrainSpec): Promise<DrainTiming> {
  const workers = Array.from({ length: spec.processes }, (_, i) => spawnWorker(spec, i));
  const failure = (what: string) =>
    new Error(`${spec.script}: ${what}\n${workers.map((w, i) => `--- worker ${i} (exit ${w.child.exitCode ?? w.child.signalCode}):\n${w.tail()}`).join('\n')}`);
  const done = new Array<number>(workers.length).fill(0);
  let ready = 0;
  let onChange: () => void = () => {};
  let crashed: Error | undefined;
  for (const [i, { child }] of workers.entries()) {
    child.on('message', (m: DrainMessage) => {
      if (m.type === 'ready') ready++;
      else done[i] = m.done;
      onChange();
    });
    child.once('exit', (code, signal) => {
      crashed ??= failure(`a worker exited (${code ?? signal}) during the run`);
      onChange();
    });
  }
  const until = (condition: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(failure(`timed out waiting for ${what}`)), timeoutMs);
      onChange = () => {
        if (crashed) {
          clearTimeout(timer);
          reject(crashed);
        } else if (condition()) {
          clearTimeout(timer);
          resolve();
        }
      };
      onChange();
    });
  try {
    await spec.whileBooting?.();
    await until(() => ready === workers.length, 120_000, 'the workers to be ready');
    await spec.beforeGo?.();
    // Backends come and go (a pool replaces idle clients): sampled through the run (cpu-meter.ts).
    const postgresCpu = await meterCpu(backendsOf(spec.monitor, spec.applicationName));
    const workersBefore = workers.map((w) => cpuMs(w.child.pid!) ?? 0);
    try {
      const t0 = performance.now();
      for (const { child } of workers) child.send({ type: 'go' } satisfies DrainCommand);
      await until(() => done.reduce((a, b) => a + b, 0) >= spec.jobs, spec.timeoutMs, `${spec.jobs} jobs`);
      while ((await spec.remaining()) > 0) {
        if (performance.now() - t0 > spec.timeoutMs) throw failure('jobs reported done are not completed in the database');
        await new Promise((r) => setTimeout(r, 2));
      }
      const seconds = (performance.now() - t0) / 1000;
      const workerCpu = workers.reduce((sum, w, i) => sum + (cpuMs(w.child.pid!) ?? 0) - workersBefore[i]!, 0);
      return { seconds, workerCpuMsPerJob: workerCpu / spec.jobs, postgresCpuMsPerJob: (await postgresCpu()) / spec.jobs };
    } finally {
      // Stops its sampling also when the run failed (a second stop only samples once more).
      await postgresCpu().catch(() => 0);
    }
  } finally {
    for (const { child } of workers) child.removeAllListeners('exit');
    await Promise.all(workers.map((w) => stopWorker(w.child)));
  }
}
