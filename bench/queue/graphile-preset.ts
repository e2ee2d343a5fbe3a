/**
 * graphile-worker's settings for both of its bench processes: the preset its performance page documents for
 * its published figures (https://worker.graphile.org/docs/performance).
 */
export const GRAPHILE_PRESET = {
  concurrentJobs: 24,
  maxPoolSize: 25,
  localQueue: { size: 500 },
  completeJobBatchDelay: 0,
  failJobBatchDelay: 0,
};
