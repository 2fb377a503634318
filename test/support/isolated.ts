import { inject } from 'vitest';
import { createTide, tide, type Tide } from '../../lib/app';
import type { TideConfig } from '../../lib/config';
import { ensureTable } from '../../scripts/local/dynamodb';
import { freshNamespace } from './client';

/**
 * A Tide on a table of its own, for tests of code that looks at every
 * service in the table (the scheduled evaluator), so that other test files
 * running at the same time neither disturb it nor get disturbed.
 */
export async function isolatedTide(overrides: Partial<TideConfig> = {}, now?: () => number): Promise<Tide> {
  const tableName = `tide-${freshNamespace('isolated')}`;
  await ensureTable(inject('dynamodbEndpoint'), tableName);
  return createTide({ ...tide().config, ...overrides, tableName }, now);
}
