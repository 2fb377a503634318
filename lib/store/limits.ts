/**
 * Metric names one service may bring to one bucket in one post: a node's
 * bucket is one item, under DynamoDB's 400 KB whatever the names, and the
 * evaluator reads every name a service holds in the window it decides on.
 */
export const MAX_METRICS_PER_BUCKET = 64;
