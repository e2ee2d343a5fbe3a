/** Wrong use of the command line (bad option value, unknown tenant syntax): exit code 2, not 1. */
export class UsageError extends Error {
  override name = 'UsageError';
}
