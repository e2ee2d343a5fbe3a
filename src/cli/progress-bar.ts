/**
 * Progress of a long command on stderr: a bar redrawn in place when stderr is a terminal, a plain
 * line every few seconds when it is a log file or a pipe (where carriage returns would be noise).
 * Progress is measured in bytes of the input, which is known up front, unlike the number of rows.
 */
export type Progress = { bytes: number; rows: number; errors: number };

export type ProgressBar = { update(progress: Progress): void; done(progress: Progress): void };

const WIDTH = 28;
const REDRAW_MS = 100;
const LINE_EVERY_MS = 5000;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

const count = (n: number) => n.toLocaleString('en-US');

export function createProgressBar(out: NodeJS.WriteStream, totalBytes: number, label: string, now: () => number = () => performance.now()): ProgressBar {
  const started = now();
  const tty = out.isTTY === true;
  let last = -Infinity;

  const describe = (p: Progress): { bar: string; text: string } => {
    const fraction = totalBytes > 0 ? Math.min(1, p.bytes / totalBytes) : 0;
    const seconds = (now() - started) / 1000;
    const rate = seconds > 0 ? p.rows / seconds : 0;
    const eta = fraction > 0 ? (seconds / fraction) * (1 - fraction) : Number.NaN;
    const filled = Math.round(fraction * WIDTH);
    const errors = p.errors > 0 ? `, ${count(p.errors)} refused` : '';
    return {
      bar: `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}]`,
      text: `${(fraction * 100).toFixed(0).padStart(3)}% ${count(p.rows)} rows${errors}, ${count(Math.round(rate))} rows/s, ${duration(seconds)} elapsed, ${duration(eta)} left`,
    };
  };

  return {
    update(p) {
      const t = now();
      if (t - last < (tty ? REDRAW_MS : LINE_EVERY_MS)) return;
      last = t;
      const { bar, text } = describe(p);
      // \x1b[K clears what a longer previous line left behind.
      out.write(tty ? `\r${label} ${bar} ${text}\x1b[K` : `${label}: ${text}\n`);
    },
    done(p) {
      const { bar, text } = describe({ ...p, bytes: totalBytes });
      out.write(tty ? `\r${label} ${bar} ${text}\x1b[K\n` : `${label}: ${text}\n`);
    },
  };
}
