/** An instance of a host pool, as the platform lists it. */
export interface PoolInstance {
  id: string;
  /** Running or on its way (not leaving, not protected from scale-in): one Tide may remove. */
  removable: boolean;
}

export interface PoolCapacity {
  /** The hosts the platform is asked to run; scalings start from here. */
  desired: number;
  instances: PoolInstance[];
}

/**
 * What Tide needs from a platform that runs hosts (Rancher's `scaleHost`):
 * read the pool's capacity, raise it, and remove chosen instances. One
 * implementation per platform, in its own file, built from the pool's target.
 */
export interface HostPoolProvider {
  readCapacity(): Promise<PoolCapacity>;
  /** Launch times (epoch ms) of these instances; an instance the platform cannot date is left out. */
  launchTimes(instanceIds: string[]): Promise<Map<string, number>>;
  /** Scales out; throws ProviderError saying what failed. */
  setDesired(to: number): Promise<void>;
  /** Removes these instances and lowers the desired capacity by as many; throws ProviderError naming what was removed before a failure. */
  remove(instanceIds: string[]): Promise<void>;
}

/** Where a provider's API lives when it is not the platform's public endpoint (TIDE_AUTOSCALING_ENDPOINT, TIDE_EC2_ENDPOINT): local fakes, private endpoints. */
export interface HostPoolContext {
  endpoints: { autoScaling?: string; ec2?: string };
}

/** Builds a platform's provider for one pool's target; the target schemas are apart, in targets.ts. */
export type CreateHostPoolProvider<T> = (target: T, context: HostPoolContext) => HostPoolProvider;
