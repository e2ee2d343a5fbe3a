/**
 * The worker side of a timed drain (time-drain.ts): a bench worker process builds everything it needs
 * (modules loaded, connections open), says `ready`, starts consuming only on `go`, and reports how many
 * jobs it has finished in `progress` messages (throttled, so reporting costs nothing measurable). When
 * the parent disconnects, it stops its worker and exits — writing its CPU profile if it runs under
 * `--cpu-prof`.
 */

export type DrainCommand = { type: 'go' };
export type DrainMessage = { type: 'ready' } | { type: 'progress'; done: number };

export type DrainWorker = {
  /** Begin consuming; `finished(n)` is to be called as jobs complete. */
  start(finished: (count: number) => void): void | Promise<void>;
  stop(): Promise<void>;
};

const PROGRESS_EVERY_MS = 20;

export async function serveDrain(prepare: () => Promise<DrainWorker>): Promise<void> {
  const send = (message: DrainMessage) => process.send?.(message);
  const worker = await prepare();
  let done = 0;
  let reported = 0;
  let timer: NodeJS.Timeout | undefined;
  const report = () => {
    timer = undefined;
    if (done !== reported && process.connected) {
      reported = done;
      send({ type: 'progress', done });
    }
  };
  const finished = (count: number) => {
    done += count;
    timer ??= setTimeout(report, PROGRESS_EVERY_MS);
  };
  process.on('message', (message: DrainCommand) => {
    if (message.type === 'go') void worker.start(finished);
  });
  process.once('disconnect', () => {
    clearTimeout(timer);
    worker.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
  send({ type: 'ready' });
}
