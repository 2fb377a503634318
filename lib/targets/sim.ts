import * as z from 'zod';
import { durationAtMost } from '../durationSchema';
import { MAX_SIMULATED_REPLICAS } from '../simulatedService';

const REPLICAS_RULE = `must be a whole number from 0 to ${MAX_SIMULATED_REPLICAS}`;
const LOAD_RULE = 'must be a number >= 0: the load clients send, in the units of capacityPerReplica';
const CAPACITY_RULE = 'must be a number > 0: the load one replica serves at 100% CPU';

/** A service that exists only in Tide's table, for demos (lib/providers/sim.ts). */
export const simTarget = z.strictObject({
  provider: z.literal('sim'),
  offeredLoad: z.number({ error: LOAD_RULE }).min(0, { error: LOAD_RULE }),
  capacityPerReplica: z.number({ error: CAPACITY_RULE }).positive({ error: CAPACITY_RULE }),
  // A policy's readinessDelay, its wait for starting replicas, is at most an hour: a slower start simulates nothing it can act on.
  startupDelay: durationAtMost(3_600_000, 'no policy waits longer for a starting replica (readinessDelay)').default('60s'),
  initialReplicas: z
    .number({ error: REPLICAS_RULE })
    .int({ error: REPLICAS_RULE })
    .min(0, { error: REPLICAS_RULE })
    .max(MAX_SIMULATED_REPLICAS, { error: REPLICAS_RULE })
    .default(1),
});

export type SimTarget = z.output<typeof simTarget>;
