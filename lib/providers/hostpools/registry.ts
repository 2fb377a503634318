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
