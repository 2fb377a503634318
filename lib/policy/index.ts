// The policy engine's public surface: schemas for service documents, legacy converters, and
// the pure decision function with its inputs.
export { POLICY_DEFAULTS } from './defaults';
export * from './schema';
export * from './legacy';
export { decide } from './decide';
export { keepRecent, ruleWindows } from './history';
export { observationsFromBuckets, type MetricBucket } from './observations';
export type * from './types';
