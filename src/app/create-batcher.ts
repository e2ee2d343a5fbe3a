/**
 * Group commit for concurrent callers of one statement. Each call waits for its own answer, but calls
 * that arrive while a flush is running — or in the same turn of the event loop — go out together in
 * the next flush: one round trip, one plan and one commit for many invitations instead of one each.
 *
 * No timer: a lone call goes out at the end of the current turn, so batching grows with load and adds
 * no latency without it. At most one flush is in flight per batcher, and a flush takes at most
 * `maxBatch` calls. A failed flush fails every call in it (each caller decides whether to retry).
 */
export type Batcher<In, Out> = (input: In) => Promise<Out>;

/** `flush` answers the inputs in order, one output for each. */
export function createBatcher<In, Out>(flush: (inputs: In[]) => Promise<Out[]>, options: { maxBatch: number }): Batcher<In, Out> {
  type Waiting = { input: In; resolve: (out: Out) => void; reject: (err: unknown) => void };
  const queue: Waiting[] = [];
  let scheduled = false;
  let flushing = false;

  const schedule = () => {
    if (scheduled || flushing || queue.length === 0) return;
    scheduled = true;
    // setImmediate, not a microtask: it runs after every I/O callback of this turn, so the calls
    // those callbacks make (several SMTP replies arriving together) share one flush.
    setImmediate(() => void run());
  };

  const run = async () => {
    scheduled = false;
    const batch = queue.splice(0, options.maxBatch);
    flushing = true;
    try {
      const outputs = await flush(batch.map((w) => w.input));
      if (outputs.length !== batch.length) throw new Error(`batch flush answered ${outputs.length} of ${batch.length} calls`);
      batch.forEach((w, i) => w.resolve(outputs[i]!));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      flushing = false;
      schedule();
    }
  };

  return (input) =>
    new Promise<Out>((resolve, reject) => {
      queue.push({ input, resolve, reject });
      schedule();
    });
}
