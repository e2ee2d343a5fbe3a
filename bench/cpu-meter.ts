/**
 * CPU time of processes during a measured run, read from /proc (Linux): a bench process, a server it
 * spawned, the PostgreSQL backends serving them. The figures that tell "the machine is full" from
 * "something waits".
 */
import { readFileSync } from 'node:fs';
import type pg from 'pg';

/** user + system CPU of a process so far, in ms (clock ticks of 10 ms); undefined once it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * CPU used by a changing set of processes between the call and stop(). Processes come and go (a pool
 * replaces idle clients, a backend exits): each is sampled every `intervalMs` and its last value
 * kept; one first seen after the start counts from zero.
 */
export async function meterCpu(pids: () => Promise<number[]>, intervalMs = 500): Promise<() => Promise<number>> {
  const seen = new Map<number, { first: number; last: number }>();
  let started = false;
  const sample = async () => {
    for (const pid of await pids()) {
      const now = cpuMs(pid);
      if (now === undefined) continue;
      const known = seen.get(pid);
      if (known) known.last = now;
      else seen.set(pid, { first: started ? 0 : now, last: now });
    }
  };
  await sample();
  started = true;
  // unref: a run that fails before stop() must not keep the process alive.
  const timer = setInterval(() => void sample().catch(() => {}), intervalMs).unref();
  return async () => {
    clearInterval(timer);
    await sample();
    return [...seen.values()].reduce((sum, p) => sum + p.last - p.first, 0);
  };
}

/** The PostgreSQL backends whose sessions carry `applicationName` (set through the connection URL). */
export function backendsOf(monitor: Pick<pg.Pool, 'query'>, applicationName: string): () => Promise<number[]> {
  return async () =>
    (await monitor.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName])).rows.map((r) => r.pid);
}
