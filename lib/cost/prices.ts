/**
 * The prices the cost calculator uses: AWS list prices in us-east-1, no free
 * tier, as published on the date below. One table, so a price change is one edit.
 */
export const PRICES = {
  region: 'us-east-1',
  checked: '2026-11-30',
  dynamodb: {
    /** On-demand (since the November 2024 price cut). */
    writeRequestUnit: 0.625 / 1e6,
    readRequestUnit: 0.125 / 1e6,
    /** Provisioned: per unit and hour, whether used or not. */
    writeCapacityUnitHour: 0.00065,
    readCapacityUnitHour: 0.00013,
    storageGbMonth: 0.25,
  },
  /** API Gateway HTTP API, first 300 million requests a month (each up to 512 KB). */
  httpApiRequest: 1.0 / 1e6,
  /** Lambda on arm64; a function URL costs nothing beyond the invocation. */
  lambda: { request: 0.2 / 1e6, gbSecond: 0.0000133334 },
  /** CloudWatch Logs, standard class, per GB ingested (the functions' log lines and metrics). */
  logsIngestedGb: 0.5,
  /** CloudWatch custom metrics, per metric a month, by tier: the first 10,000, the next 240,000, the next 750,000, beyond. */
  metricMonth: [
    { upTo: 10_000, price: 0.3 },
    { upTo: 250_000, price: 0.1 },
    { upTo: 1_000_000, price: 0.05 },
    { upTo: Number.POSITIVE_INFINITY, price: 0.02 },
  ],
} as const;

export type Prices = typeof PRICES;
