import { ec2Asg } from './ec2Asg';
import type { HostPoolContext, HostPoolProvider, HostPoolProviderDefinition } from './provider';
import type { HostPoolTarget } from './targets';

/** Every host pool provider, keyed by `target.provider`, alphabetical; their target schemas are in targets.ts. */
export const hostPoolProviders: Record<string, HostPoolProviderDefinition<any>> = { 'ec2-asg': ec2Asg };

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
