import { ec2Asg } from './ec2Asg';
import type { CreateHostPoolProvider, HostPoolContext, HostPoolProvider } from './provider';
import type { HostPoolTarget } from '../../targets/hosts';

/** Every host pool provider, keyed by `target.provider`, alphabetical; their target schemas are in targets.ts. */
const hostPoolProviders: { [P in HostPoolTarget['provider']]: CreateHostPoolProvider<Extract<HostPoolTarget, { provider: P }>> } = { 'ec2-asg': ec2Asg };

export function createHostPoolProvider(target: HostPoolTarget, context: HostPoolContext): HostPoolProvider {
  const create = hostPoolProviders[target.provider] as CreateHostPoolProvider<HostPoolTarget>;
  return create(target, context);
}
