/**
 * What every command receives from the entry point: the configuration, loaded on first use so that
 * `--help` and usage errors never depend on a valid environment; the global `--json` switch; output.
 * Command results go to stdout, notes and errors to stderr, so `--json` output can be piped as is.
 */
import { loadConfig, type Config } from '../config.ts';

export type CliContext = {
  /** loadConfig() once; a ConfigError propagates and becomes exit code 2. */
  config(): Config;
  json(): boolean;
  /** Writes text to stdout, ending it with a newline. */
  print(text: string): void;
  printJson(value: unknown): void;
  /** A remark for the human at the terminal, on stderr. */
  note(text: string): void;
  /** LOG_LEVEL is debug or trace: failures print their stack. */
  verbose(): boolean;
  /** What the process exits with when the command returns normally (a server after a failed shutdown: 1). */
  exitCode: number;
};

export function createCliContext(globalOptions: () => { json?: boolean }): CliContext {
  let config: Config | undefined;
  return {
    config() {
      config ??= loadConfig();
      return config;
    },
    json: () => globalOptions().json === true,
    print: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    printJson: (value) => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    note: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    verbose: () => config !== undefined && (config.logLevel === 'debug' || config.logLevel === 'trace'),
    exitCode: 0,
  };
}
