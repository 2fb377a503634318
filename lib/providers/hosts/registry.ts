import type { CreateHostPoolProvider, HostPoolContext, HostPoolProvider } from './provider';
import type { HostPoolTarget } from '../../targets/hosts';

type Load<P extends HostPoolTarget['provider']> = () => Promise<CreateHostPoolProvider<Extract<HostPoolTarget, { provider: P }>>>;

/**
 * Every host pool provider, keyed by `target.provider`, alphabetical; their target schemas are in targets.ts.
 * Each provider's module (and its SDKs) is loaded when a pool first needs it, not with the function.
 */
const hostPoolProviders: { [P in HostPoolTarget['provider']]: Load<P> } = {
  'ec2-asg': async () => (await import('./ec2Asg')).ec2Asg,
};

export function createHostPoolProvider(target: HostPoolTarget, context: HostPoolContext): HostPoolProvider {
  const load = hostPoolProviders[target.provider] as () => Promise<CreateHostPoolProvider<HostPoolTarget>>;
  let provider: Promise<HostPoolProvider> | undefined;
  const loaded = () => (provider ??= load().then((create) => create(target, context)));
  return {
    readCapacity: async () => (await loaded()).readCapacity(),
    launchTimes: async (instanceIds) => (await loaded()).launchTimes(instanceIds),
    setDesired: async (to) => (await loaded()).setDesired(to),
    remove: async (instanceIds) => (await loaded()).remove(instanceIds),
  };
}
