/**
 * Commander option parser for counts and ids: rejecting "10abc" or "-1" here gives a usage error that
 * names the option, instead of a confusing failure deep in a query.
 */
import { InvalidArgumentError } from 'commander';

export function parsePositiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('must be a positive whole number');
  }
  return Number(value);
}
