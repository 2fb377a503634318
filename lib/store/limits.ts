/**
 * A batch is stored in one DynamoDB transaction, so that it is stored whole or
 * not at all; a transaction takes at most 100 items, one is the batch marker,
 * and each (service, bucket) pair of the batch is one item.
 */
export const MAX_GROUPS_PER_BATCH = 99;

/**
 * Metric names one service's bucket may hold (in one batch, and in the item
 * that stores it: lib/store/aggregates.ts). A write's update names each of
 * its metrics up to 5 times, its condition up to twice: with 64, they stay
 * under DynamoDB's 4 KB and 300 operators per expression (at most about
 * 3.7 KB and 255, whatever the names), and the item under 30 KB of 400 KB.
 */
export const MAX_METRICS_PER_BUCKET = 64;
