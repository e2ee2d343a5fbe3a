/**
 * The "queue" benchmark (issue 5): how fast worker processes drain a backlog of due jobs, ours against
 * graphile-worker and pg-boss, with 1 and with 2 worker processes.
 *
 * Our job is the audited record (DESIGN §7): draining an invitation means claiming it write-ahead,
 * re-checking it at send time and marking it sent with its attempt and timeline event — writes any
 * invitation service must make, whatever queue it runs on. So the targets compare like with like:
 * ours against each peer *carrying the same record* (`graphile-record`, `pg-boss-record`: one peer
 * job per invitation, whose task makes those writes — record-task.ts). The peers' bare queues,
 * draining jobs that write nothing, are measured too and reported without a target: what the narrow
 * job row alone costs them (README, "The decision").
 *
 * - ours: our-worker-process.ts — the worker `review-invites work` builds, with a no-op `email`
 *   channel and OUR_WORKER_ENV — drains JOBS due invitations of one tenant: claim (SKIP LOCKED, lease
 *   token, write-ahead attempt row), send-time re-check, no-op delivery, fenced mark-sent. Also, for
 *   information, 2 processes draining JOBS / 10 invitations spread over 100 tenants that each have a
 *   budget row: the claim's fair-share and rate-limit path (what bench/claim measured before).
 * - graphile-worker 0.17.3 (graphile-worker-process.ts) with the preset of its published figures
 *   (graphile-preset.ts): concurrentJobs 24, maxPoolSize 25, localQueue 500, completeJobBatchDelay 0,
 *   failJobBatchDelay 0 — `noop` jobs, and `deliver` jobs for graphile-record.
 * - pg-boss 10.4.2 (pg-boss-process.ts) at the fastest settings we measured for it (PG_BOSS_ENV):
 *   8 work() loops per process fetching 500 jobs each, polling interval at its 0.5 s minimum; carrying
 *   the record, 2 loops of 500 (PG_BOSS_RECORD_ENV), each batch's tasks run at once.
 *
 * Each system's queue is seeded once per benchmark run into a template database (then VACUUM
 * ANALYZE); every drain gets a fresh copy of it on the same server (BENCH_DATABASE_URL), so runs start
 * from identical pages. Neither seeding nor the processes' boot is measured. The
 * clock starts when every process has said it is ready (modules loaded, pool connected) and is told
 * to go, and stops when they have reported every job done and the database confirms that none is left
 * (ours: no invitation pending or sending; graphile-worker: no job row; pg-boss: no job below
 * `completed`; carrying the record, every invitation is also checked `sent` with its attempt) — see
 * time-drain.ts. Sides alternate (ours, graphile-record, pg-boss-record, graphile-worker, pg-boss,
 * ours, ...) and medians of ctx.reps runs are reported. Targets: ours ≥ 1.0 × graphile-worker and
 * ≥ 3.0 × pg-boss, each carrying the record.
 *
 *   npm run bench queue [--reps N]
 */
import os from 'node:os';
import { createDatabase } from '../../src/db/create-database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { alternate, comparisonResult, infoResult, median, ratioResult, type Bench, type BenchContext, type BenchResult } from '../bench-result.ts';
import { graphileJobsLeft, seedGraphileInvitationJobs, seedGraphileJobs } from './graphile-queue.ts';
import { pgBossJobsLeft, seedPgBossInvitationJobs, seedPgBossJobs } from './pg-boss-queue.ts';
import { seedInvitations } from './seed-invitations.ts';
import { timeDrain, type DrainTiming } from './time-drain.ts';
import { withSeededTemplate, type SeededTemplate } from './with-seeded-template.ts';

/** `ours-tenants`: ours with the backlog spread over 100 tenants, each with a budget (the rate-limit path). */
export type QueueSystem = 'ours' | 'ours-tenants' | 'graphile-record' | 'pg-boss-record' | 'graphile-worker' | 'pg-boss';
export const QUEUE_SYSTEMS: QueueSystem[] = ['ours', 'graphile-record', 'pg-boss-record', 'graphile-worker', 'pg-boss'];

/**
 * Our worker's settings for the drain, everything else at its default. 200 in flight and claims of
 * up to 200 are ours' counterpart of the peers' batching (graphile-worker's local queue of 500,
 * pg-boss's fetches of 500); above ~200 nothing more was gained (README). LOG_LEVEL=warn: production's
 * `info` writes a line per sent invitation, which the peers do not.
 */
export const OUR_WORKER_ENV: Record<string, string> = {
  LOG_LEVEL: 'warn',
  WORKER_CONCURRENCY: '200',
  WORKER_BATCH_SIZE: '200',
};

/** pg-boss's: fetches of 500 (graphile-worker's local queue size), 8 work() loops — the fastest with that batch (README). */
export const PG_BOSS_ENV: Record<string, string> = {
  PG_BOSS_WORKERS: '8',
  PG_BOSS_BATCH: '500',
  PG_BOSS_POOL: '10',
};

/** pg-boss carrying the record: 2 work() loops of 500 — the fastest of the settings swept for it (README). */
export const PG_BOSS_RECORD_ENV: Record<string, string> = { ...PG_BOSS_ENV, PG_BOSS_WORKERS: '2', BENCH_TASK: 'record' };

/** The worker processes' sessions carry it, so their backends' CPU can be counted. */
export const APPLICATION_NAME = 'ri-queue-bench-worker';
const SECRET_KEY = 'queue-bench-secret-0123456789abcdefghijklmnop';

export type QueueRunOptions = {
  /** Overrides of the worker processes' environment, for experiments. */
  env?: Partial<Record<QueueSystem, Record<string, string>>>;
  profileDir?: string;
  timeoutMs?: number;
};

export function withApplicationName(url: string, applicationName = APPLICATION_NAME): string {
  const u = new URL(url);
  u.searchParams.set('application_name', applicationName);
  return u.toString();
}

/** Our worker processes' environment, as for `review-invites work`. */
export function ourWorkerEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: withApplicationName(url),
    SECRET_KEY,
    PUBLIC_URL: 'https://reviews.bench.example',
    DATA_DIR: '/nonexistent-queue-bench-data',
    ...OUR_WORKER_ENV,
    ...extra,
  };
}

type Pool = Parameters<typeof graphileJobsLeft>[0];

type Side = {
  script: string;
  env(url: string): Record<string, string>;
  seed(url: string, jobs: number): Promise<void>;
  left(pool: Pool): Promise<number>;
  /** After the drain: every job done exactly as it should be. */
  check?(pool: Pool, jobs: number): Promise<void>;
};

function ourSide(seed: { tenants: number; budget: boolean }): Side {
  return {
    script: 'queue/our-worker-process.ts',
    env: (url) => ourWorkerEnv(url),
    async seed(url, jobs) {
      const database = await createDatabase({ kind: 'postgres', url, poolSize: 2 });
      try {
        await migrate(database.pool);
        await seedInvitations(database, { count: jobs, firstDueInMs: -3_600_000, spacingMs: 0.001, ...seed });
      } finally {
        await database.close();
      }
    },
    left: async (pool) => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM invitations WHERE state IN ('pending', 'sending')`)).rows[0]!.n,
    async check(pool, jobs) {
      const { rows } = await pool.query<{ n: number; attempts: number }>(
        `SELECT count(*)::int AS n, (SELECT count(*)::int FROM delivery_attempts WHERE outcome = 'sent') AS attempts FROM invitations WHERE state = 'sent'`,
      );
      if (rows[0]!.n !== jobs || rows[0]!.attempts !== jobs) throw new Error(`ours: ${rows[0]!.n} invitations sent, ${rows[0]!.attempts} attempts sent, of ${jobs}`);
    },
  };
}

const ours = ourSide({ tenants: 1, budget: false });

/** A peer draining the same invitations as ours, one job each, whose task makes our record's writes (record-task.ts). */
function carryingTheRecord(peer: Pick<Side, 'script' | 'env' | 'left'>, queueInvitations: (url: string) => Promise<void>): Side {
  return {
    ...peer,
    async seed(url, jobs) {
      await ours.seed(url, jobs);
      await queueInvitations(url);
    },
    check: ours.check!,
  };
}

const sides: Record<QueueSystem, Side> = {
  ours,
  'ours-tenants': ourSide({ tenants: 100, budget: true }),
  'graphile-record': carryingTheRecord(
    { script: 'queue/graphile-worker-process.ts', env: (url) => ({ DATABASE_URL: withApplicationName(url) }), left: graphileJobsLeft },
    seedGraphileInvitationJobs,
  ),
  'pg-boss-record': carryingTheRecord(
    { script: 'queue/pg-boss-process.ts', env: (url) => ({ DATABASE_URL: withApplicationName(url), ...PG_BOSS_RECORD_ENV }), left: pgBossJobsLeft },
    seedPgBossInvitationJobs,
  ),
  'graphile-worker': {
    script: 'queue/graphile-worker-process.ts',
    env: (url) => ({ DATABASE_URL: withApplicationName(url) }),
    seed: seedGraphileJobs,
    left: graphileJobsLeft,
  },
  'pg-boss': {
    script: 'queue/pg-boss-process.ts',
    env: (url) => ({ DATABASE_URL: withApplicationName(url), ...PG_BOSS_ENV }),
    seed: seedPgBossJobs,
    left: pgBossJobsLeft,
  },
};

/** One drain of a fresh copy of a system's seeded queue by `processes` worker processes. */
export function drainOnce(template: SeededTemplate, system: QueueSystem, processes: number, jobs: number, options: QueueRunOptions = {}): Promise<DrainTiming> {
  const side = sides[system];
  return template.copy(async (url) => {
    const monitor = await createDatabase({ kind: 'postgres', url, poolSize: 2 });
    try {
      const timing = await timeDrain({
        script: side.script,
        processes,
        jobs,
        env: { ...side.env(url), ...options.env?.[system] },
        remaining: () => side.left(monitor.pool),
        monitor: monitor.pool,
        applicationName: APPLICATION_NAME,
        timeoutMs: options.timeoutMs ?? 600_000,
        profileDir: options.profileDir,
      });
      await side.check?.(monitor.pool, jobs);
      return timing;
    } finally {
      await monitor.close();
    }
  });
}

/** Each system's queue seeded once, in a template database per system. */
async function withTemplates<T>(serverUrl: string, systems: QueueSystem[], jobs: number, use: (templates: Partial<Record<QueueSystem, SeededTemplate>>) => Promise<T>, log: (line: string) => void): Promise<T> {
  const [first, ...rest] = systems;
  if (first === undefined) return use({});
  const started = performance.now();
  return withSeededTemplate(
    serverUrl,
    `queue_${first.replaceAll('-', '_')}`,
    async (url) => {
      await sides[first].seed(url, jobs);
      log(`${first}: ${jobs} jobs seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    },
    (template) => withTemplates(serverUrl, rest, jobs, (others) => use({ ...others, [first]: template }), log),
  );
}

export type QueueFigure = { rate: number; workerCpuMsPerJob: number; postgresCpuMsPerJob: number };

/** Per process count: medians of `ctx.reps` alternating runs of each system. */
export async function measureQueues(
  ctx: Pick<BenchContext, 'databaseUrl' | 'reps' | 'log'>,
  jobs: number,
  processCounts: number[],
  options: QueueRunOptions = {},
  systems: QueueSystem[] = QUEUE_SYSTEMS,
): Promise<Map<number, Partial<Record<QueueSystem, QueueFigure>>>> {
  return withTemplates(
    ctx.databaseUrl,
    systems,
    jobs,
    async (templates) => {
      const figures = new Map<number, Partial<Record<QueueSystem, QueueFigure>>>();
      for (const processes of processCounts) {
        const cpu: Record<string, { worker: number[]; postgres: number[] }> = {};
        const runs = Object.fromEntries(
          systems.map((system) => [
            system,
            async () => {
              const t = await drainOnce(templates[system]!, system, processes, jobs, options);
              const rate = jobs / t.seconds;
              (cpu[system] ??= { worker: [], postgres: [] }).worker.push(t.workerCpuMsPerJob);
              cpu[system].postgres.push(t.postgresCpuMsPerJob);
              ctx.log(
                `${system.padEnd(15)} ${processes} process(es), ${jobs} jobs: ${t.seconds.toFixed(2).padStart(6)} s, ${Math.round(rate).toString().padStart(6)} jobs/s; ` +
                  `CPU µs/job: workers ${(t.workerCpuMsPerJob * 1000).toFixed(0)}, postgres ${(t.postgresCpuMsPerJob * 1000).toFixed(0)}`,
              );
              return rate;
            },
          ]),
        );
        const rates = await alternate(ctx.reps, runs);
        figures.set(
          processes,
          Object.fromEntries(systems.map((s) => [s, { rate: rates[s]!, workerCpuMsPerJob: median(cpu[s]!.worker), postgresCpuMsPerJob: median(cpu[s]!.postgres) }])),
        );
      }
      return figures;
    },
    ctx.log,
  );
}

/** Jobs per drain when the whole suite runs: five sides, two process counts, three runs each — 3-4 minutes here. */
const SUITE_JOBS = 6_000;

export const queueBench: Bench = {
  name: 'queue',
  describe: 'worker processes draining due invitations, 1 and 2 processes: ours vs graphile-worker (local queue preset) and pg-boss each carrying the same record, and their bare no-op queues',
  async run(ctx): Promise<BenchResult[]> {
    // The 200,000 takes most of an hour here (the peers carrying the record drain ~1,500 jobs/s),
    // far beyond the whole suite's budget: the suite drains SUITE_JOBS (README, "Duration");
    // `npm run bench queue` alone, or BENCH_QUEUE_JOBS, the full size.
    const jobs = ctx.size === 'smoke' ? 500 : Number(process.env.BENCH_QUEUE_JOBS ?? (ctx.suite ? SUITE_JOBS : 200_000));
    if (ctx.suite && process.env.BENCH_QUEUE_JOBS === undefined) ctx.log(`whole suite: ${jobs} jobs instead of 200,000 to fit its 15 minutes (npm run bench queue runs 200,000)`);
    const results: BenchResult[] = [];
    const cores = os.availableParallelism();
    // Smoke: one process count is enough to keep the harness from rotting, and each drain costs a boot.
    const figures = await measureQueues(ctx, jobs, ctx.size === 'smoke' ? [2] : [1, 2]);
    for (const [processes, measured] of figures) {
      const f = measured as Record<QueueSystem, QueueFigure>;
      const label = `${processes} process${processes === 1 ? '' : 'es'}`;
      const metric = `ours jobs/s, ${label}, ${jobs} jobs`;
      results.push(
        // The targets (DESIGN §7: the job is the audited record): the peers doing the same record's writes.
        ratioResult('queue', metric, 'jobs/s', f.ours.rate, 'graphile-worker carrying the record', f['graphile-record'].rate, 1.0),
        ratioResult('queue', metric, 'jobs/s', f.ours.rate, 'pg-boss carrying the record', f['pg-boss-record'].rate, 3.0),
        // The peers' bare queues, jobs that write nothing: what a narrow job row alone costs them.
        comparisonResult('queue', metric, 'jobs/s', f.ours.rate, 'graphile-worker, no-op jobs', f['graphile-worker'].rate),
        comparisonResult('queue', metric, 'jobs/s', f.ours.rate, 'pg-boss, no-op jobs', f['pg-boss'].rate),
        ...QUEUE_SYSTEMS.map((s) => infoResult('queue', `${s} CPU per job, ${label}: workers + postgres`, 'µs', (f[s].workerCpuMsPerJob + f[s].postgresCpuMsPerJob) * 1000)),
        // The most ours could drain here if every core did nothing else: what the CPU a job costs allows.
        comparisonResult('queue', `ours CPU ceiling, ${label}: ${cores} cores ÷ CPU per job`, 'jobs/s', cores / (f.ours.workerCpuMsPerJob + f.ours.postgresCpuMsPerJob) * 1000, 'graphile-worker, no-op jobs', f['graphile-worker'].rate),
      );
    }
    // The claim's other shape (what bench/claim measured before): 100 tenants, each with a budget.
    const tenantJobs = jobs / 10;
    const tenants = (await measureQueues(ctx, tenantJobs, [2], {}, ['ours-tenants'])).get(2)!['ours-tenants']!;
    results.push(infoResult('queue', `ours jobs/s, 2 processes, ${tenantJobs} jobs over 100 tenants with budgets (rate-limit path)`, 'jobs/s', tenants.rate));
    return results;
  },
};
