/**
 * The only reader of process.env. Everything else receives a validated, frozen Config.
 * A `.env` file in the working directory is honoured (values already in the environment win).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export type Config = Readonly<{
  port: number;
  host: string;
  /** Base URL customers see in emails (review links, unsubscribe links). No trailing slash. */
  publicUrl: string;
  dataDir: string;
  /** Unset = embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  /** Unset = emails are captured in the outbox table, never sent. */
  smtpUrl: string | undefined;
  mailFrom: string;
  adminToken: string | undefined;
  logLevel: string;
  /** Secret for deriving review and unsubscribe tokens; unset = generated and kept per install. */
  secretKey: string | undefined;
  worker: WorkerConfig;
  /** Let webhook and platform channels call loopback/private addresses (tests, private networks). */
  allowPrivateWebhooks: boolean;
  /** Max size of one pg.Pool (PostgreSQL mode; PGlite is always 1). */
  databasePoolSize: number;
  /** `work` only: serve GET /metrics on HOST:metricsPort (start and serve have it on PORT). Unset = no listener. */
  metricsPort: number | undefined;
}>;

export type WorkerConfig = Readonly<{
  /** How long a claim is valid before the sweeper may hand the invitation to another worker. */
  leaseMs: number;
  pollIntervalMs: number;
  batchSize: number;
  /**
   * Deliveries in flight at once per worker process. Six times the email channel's SMTP pool (at
   * most 10 connections), so a connection always has the next message while other deliveries are
   * in the database, and a claim (made once half the slots are free) and a mark-sent flush carry
   * enough rows to amortize their statements (bench/README.md, email).
   */
  concurrency: number;
  maxAttempts: number;
  /** Grace period on SIGTERM for in-flight deliveries before leases are released. */
  shutdownGraceMs: number;
  /** Period of the housekeeping tasks (sweeper, expiry, vacuum). */
  periodicIntervalMs: number;
  smtpTimeoutMs: number;
  httpTimeoutMs: number;
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

function optionalPort(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ConfigError(`${name} must be a port number from 1 to 65535, got "${raw}"`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return raw;
}

/** Reads `.env` from cwd into process.env (without overriding) — Node's own loader, no dependency. */
function loadDotEnv(cwd: string): void {
  const file = path.join(cwd, '.env');
  if (existsSync(file)) process.loadEnvFile(file);
}

export function loadConfig(env: Env = process.env, options: { dotenv?: boolean } = {}): Config {
  if (options.dotenv !== false && env === process.env) loadDotEnv(process.cwd());
  const port = int(env, 'PORT', 3000, 0);
  const host = env.HOST || '0.0.0.0';
  const publicUrl = (url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const logLevel = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  const adminToken = env.ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('ADMIN_TOKEN must be at least 16 characters');
  }
  const secretKey = env.SECRET_KEY || undefined;
  if (secretKey !== undefined && secretKey.length < 32) {
    throw new ConfigError('SECRET_KEY must be at least 32 characters');
  }
  const config: Config = {
    port,
    host,
    publicUrl,
    dataDir: path.resolve(env.DATA_DIR || './data'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: env.MAIL_FROM || 'Reviews <reviews@localhost>',
    adminToken,
    logLevel,
    secretKey,
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1),
    allowPrivateWebhooks: bool(env, 'ALLOW_PRIVATE_WEBHOOKS', false),
    metricsPort: optionalPort(env, 'METRICS_PORT'),
    worker: Object.freeze({
      leaseMs: int(env, 'WORKER_LEASE_MS', 60_000, 1000),
      pollIntervalMs: int(env, 'WORKER_POLL_MS', 1000, 10),
      batchSize: int(env, 'WORKER_BATCH_SIZE', 100, 1),
      concurrency: int(env, 'WORKER_CONCURRENCY', 60, 1),
      maxAttempts: int(env, 'WORKER_MAX_ATTEMPTS', 8, 1),
      shutdownGraceMs: int(env, 'WORKER_SHUTDOWN_GRACE_MS', 10_000, 0),
      periodicIntervalMs: int(env, 'WORKER_PERIODIC_MS', 30_000, 100),
      smtpTimeoutMs: int(env, 'SMTP_TIMEOUT_MS', 20_000, 100),
      httpTimeoutMs: int(env, 'HTTP_TIMEOUT_MS', 15_000, 100),
    }),
  };
  if (config.worker.smtpTimeoutMs * 2 >= config.worker.leaseMs) {
    throw new ConfigError('WORKER_LEASE_MS must be more than twice SMTP_TIMEOUT_MS so a delivery ends before its lease');
  }
  return Object.freeze(config);
}
