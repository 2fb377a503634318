// The policy engine's public surface: schemas for service documents, legacy converters, and
// the pure decision function with its inputs. This index loads the schemas (zod): code the
// evaluator runs at its cold start imports the modules it needs directly.
export { DEFAULT_POLICY_BOUNDS, HISTORY_ENTRIES, HISTORY_MS, POLICY_DEFAULTS, type PolicyBounds } from './defaults';
export * from './schema';
export * from './legacy';
export { activeSchedule, scheduledBounds, type ActiveSchedule, type Schedule } from './schedules';
export { MAX_SCHEDULES, schedulesSchema } from './scheduleSchema';
export { decide } from './decide';
export { emptyHistory, recordDecision, recordScaling, type History, type Recommendation, type ScalingRecord } from './history';
export { ruleWindows } from './rules';
export { neverWakes, readsAtZero } from './zero';
export { observationsFromBuckets } from './observations';
export { advanceShadows, LOAD_METRIC, MAX_SHADOWS, SCORING_LOOKBACK_MS, type Score, type ShadowPolicy, type ShadowState } from './shadow';
export { parseStoredPolicies, shadowPolicies } from './reparse';
export { policyStamp, storedPolicies, type RunnablePolicies } from './stored';
export { loadKey, loadRulesWithPrediction, minuteLoads, type MinuteLoad, type MinuteLoadsInput } from './pastLoad';
export type * from './types';
