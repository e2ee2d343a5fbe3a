/**
 * Runs the real `review-invites` binary (bin/review-invites.js → dist/) as a child process, the way a
 * user does: its own environment built from scratch (never the test runner's DATABASE_URL, SMTP_URL or
 * a developer's .env), a scratch working directory, and stdout/stderr captured for assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const binPath = path.join(repoRoot, 'bin', 'review-invites.js');

export type CliResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/**
 * The command's own stderr, without what bin/ printed while rebuilding dist/ first ("building…", then
 * tsc's diagnostics and a notice if any): sources edited while tests run trigger such a rebuild.
 */
export function withoutBuildOutput(stderr: string): string {
  const notice = 'running the emitted JavaScript anyway\n';
  const afterNotice = stderr.includes(notice) ? stderr.slice(stderr.lastIndexOf(notice) + notice.length) : stderr;
  return afterNotice.replace(/^building…\n/gm, '');
}

/** A port nobody listens on right now: the OS picks it, we release it and hand it to the child. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function scratchDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'review-invites-cli-'));
}

export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'info',
    // Fixed so review links are predictable across the processes of one test.
    SECRET_KEY: 'cli-test-secret-0123456789abcdefghijklmnop',
    ...env,
  };
}

export type CliProcess = {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects if the process ends first. */
  waitForStdout(pattern: RegExp): Promise<RegExpMatchArray>;
  readonly exited: Promise<CliResult>;
};

export function spawnCli(args: string[], options: { cwd: string; env: Record<string, string> }): CliProcess {
  const child = spawn(process.execPath, [binPath, ...args], { cwd: options.cwd, env: cliEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let ended = false;
  const watchers = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const w of watchers) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      ended = true;
      for (const w of watchers) w();
      resolve({ code, signal, stdout, stderr: withoutBuildOutput(stderr) });
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => withoutBuildOutput(stderr),
    exited,
    waitForStdout(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = stdout.match(pattern);
          if (match) {
            watchers.delete(check);
            resolve(match);
          } else if (ended) {
            watchers.delete(check);
            reject(new Error(`process exited before printing ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
          }
        };
        watchers.add(check);
        check();
      });
    },
  };
}

/** Runs a command to completion. */
export async function runCli(args: string[], options: { cwd: string; env: Record<string, string> }): Promise<CliResult> {
  return spawnCli(args, options).exited;
}

/** Runs a `--json` command that must succeed and returns its parsed output. */
export async function runCliJson<T = unknown>(args: string[], options: { cwd: string; env: Record<string, string> }): Promise<T> {
  const result = await runCli(['--json', ...args], options);
  if (result.code !== 0) throw new Error(`review-invites ${args.join(' ')} exited ${result.code}\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Starts a long-running mode and waits for its "ready" log line. */
export async function startCli(args: string[], options: { cwd: string; env: Record<string, string> }): Promise<CliProcess> {
  const proc = spawnCli(args, options);
  await proc.waitForStdout(/"msg":"ready"/);
  return proc;
}

/** Sends `signal` (default SIGTERM) and waits for the process to end. */
export async function stopCli(proc: CliProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<CliResult> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
  return proc.exited;
}
