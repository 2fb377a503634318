import { z } from 'zod';
import { ec2Asg, ec2AsgTarget } from './ec2Asg';
import type { HostPoolContext, HostPoolProvider, HostPoolProviderDefinition } from './provider';

/** Every host pool provider, keyed by `target.provider`, alphabetical. */
export const hostPoolProviders: Record<string, HostPoolProviderDefinition<any>> = { 'ec2-asg': ec2Asg };

const KNOWN = Object.keys(hostPoolProviders).join(', ');

/** A host pool's target: which platform runs its hosts and how to reach it. */
export const hostPoolTargetSchema = z.discriminatedUnion('provider', [ec2AsgTarget], {
  error: (issue) => {
    if (issue.code === 'invalid_union') return `must be one of: ${KNOWN}`;
    if (issue.code === 'invalid_type') return `must be an object with a provider (${KNOWN})`;
    return undefined;
  },
});

export type HostPoolTarget = z.output<typeof hostPoolTargetSchema>;

export function createHostPoolProvider(target: HostPoolTarget, context: HostPoolContext): HostPoolProvider {
  const definition = hostPoolProviders[target.provider];
  if (!definition) throw new Error(`no host pool provider ${target.provider} is registered`);
  return definition.create(target, context);
}

/**
 * Where the platforms' APIs are when not at their public endpoints: the local
 * stack and the tests point these at fakes on 127.0.0.1.
 */
export function hostPoolContext(env: NodeJS.ProcessEnv = process.env): HostPoolContext {
  const autoScaling = env.TIDE_AUTOSCALING_ENDPOINT;
  const ec2 = env.TIDE_EC2_ENDPOINT;
  return { endpoints: { ...(autoScaling ? { autoScaling } : {}), ...(ec2 ? { ec2 } : {}) } };
}
