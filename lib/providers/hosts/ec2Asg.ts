import type { AutoScalingClient, Instance } from '@aws-sdk/client-auto-scaling';
import { ProviderError } from '../provider';
import type { CreateHostPoolProvider, HostPoolContext, HostPoolProvider, PoolCapacity } from './provider';
import type { Ec2AsgTarget } from '../../targets/hosts';

// A host pool on an EC2 Auto Scaling group. Scaling out raises the desired
// capacity and lets the group launch; scaling in terminates the instances the
// receiver's deleteOption picks, lowering the desired capacity with each.
//
// The Auto Scaling API lists a group's instances without their launch times,
// so the scale-in order comes from EC2 DescribeInstances' LaunchTime. The EC2
// client is about 1 MB, so it is loaded only when a pool scales in; a
// scale-out or a scaleService trigger never loads it.

/** Instances in these states are running or on their way, so removing one lowers the pool. */
const REMOVABLE_STATES = /^(InService|Pending)/;
/** DescribeInstances takes this many ids per call comfortably. */
const IDS_PER_CALL = 200;

type AutoScalingModule = typeof import('@aws-sdk/client-auto-scaling');
type AutoScaling = { module: AutoScalingModule; client: AutoScalingClient };
type Ec2Module = typeof import('@aws-sdk/client-ec2');
type Ec2 = { module: Ec2Module; client: InstanceType<Ec2Module['EC2Client']> };

// Clients live as long as the warm Lambda container, one per region and endpoint, so connections are reused.
// Both SDKs are loaded at the first call, not with the function: most deployments have no host pool.
const autoScalingClients = new Map<string, Promise<AutoScaling>>();
const ec2Clients = new Map<string, Promise<Ec2>>();

export class Ec2AsgProvider implements HostPoolProvider {
  private readonly autoScaling: Promise<AutoScaling>;

  constructor(
    private readonly target: Ec2AsgTarget,
    private readonly context: HostPoolContext,
  ) {
    const where = `${target.region} ${context.endpoints.autoScaling ?? ''}`;
    let client = autoScalingClients.get(where);
    if (!client) {
      const options = clientOptions(target.region, context.endpoints.autoScaling);
      autoScalingClients.set(where, (client = import('@aws-sdk/client-auto-scaling').then((module) => ({ module, client: new module.AutoScalingClient(options) }))));
    }
    this.autoScaling = client;
  }

  async readCapacity(): Promise<PoolCapacity> {
    const name = this.target.autoScalingGroupName;
    const { module, client } = await this.autoScaling;
    const out = await this.attempt('read', 'DescribeAutoScalingGroups', () =>
      client.send(new module.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })),
    );
    const group = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name);
    if (!group) throw new ProviderError('ec2-asg', 'read', `no Auto Scaling group ${name} in ${this.target.region}`);
    return {
      desired: group.DesiredCapacity ?? 0,
      instances: (group.Instances ?? []).flatMap((i) => (i.InstanceId ? [{ id: i.InstanceId, removable: removable(i) }] : [])),
    };
  }

  async launchTimes(instanceIds: string[]): Promise<Map<string, number>> {
    const times = new Map<string, number>();
    if (instanceIds.length === 0) return times;
    const { module, client } = await this.loadEc2();
    for (let i = 0; i < instanceIds.length; i += IDS_PER_CALL) {
      const out = await this.attempt('read', 'DescribeInstances', () =>
        client.send(new module.DescribeInstancesCommand({ InstanceIds: instanceIds.slice(i, i + IDS_PER_CALL) })),
      );
      for (const reservation of out.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          if (instance.InstanceId && instance.LaunchTime) times.set(instance.InstanceId, instance.LaunchTime.getTime());
        }
      }
    }
    return times;
  }

  async setDesired(to: number): Promise<void> {
    const { module, client } = await this.autoScaling;
    await this.attempt('scale', 'SetDesiredCapacity', () =>
      client.send(
        // Webhooks are deliberate requests: the group's own cooldown must not swallow them.
        new module.SetDesiredCapacityCommand({ AutoScalingGroupName: this.target.autoScalingGroupName, DesiredCapacity: to, HonorCooldown: false }),
      ),
    );
  }

  async remove(instanceIds: string[]): Promise<void> {
    const { module, client } = await this.autoScaling;
    const removed: string[] = [];
    for (const id of instanceIds) {
      try {
        await client.send(new module.TerminateInstanceInAutoScalingGroupCommand({ InstanceId: id, ShouldDecrementDesiredCapacity: true }));
      } catch (error) {
        const before = removed.length > 0 ? `terminated ${removed.join(', ')}, then ` : '';
        throw new ProviderError('ec2-asg', 'scale', `${before}TerminateInstanceInAutoScalingGroup ${id}: ${awsMessage(error)}`, { cause: error });
      }
      removed.push(id);
    }
  }

  private loadEc2(): Promise<Ec2> {
    const { region } = this.target;
    const endpoint = this.context.endpoints.ec2;
    const where = `${region} ${endpoint ?? ''}`;
    let ec2 = ec2Clients.get(where);
    if (!ec2) {
      ec2 = import('@aws-sdk/client-ec2').then((module) => ({ module, client: new module.EC2Client(clientOptions(region, endpoint)) }));
      ec2Clients.set(where, ec2);
    }
    return ec2;
  }

  private async attempt<T>(operation: 'read' | 'scale', action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new ProviderError('ec2-asg', operation, `${action} on ${this.target.autoScalingGroupName}: ${awsMessage(error)}`, { cause: error });
    }
  }
}

export const ec2Asg: CreateHostPoolProvider<Ec2AsgTarget> = (target, context) => new Ec2AsgProvider(target, context);

function removable(instance: Instance): boolean {
  return REMOVABLE_STATES.test(instance.LifecycleState ?? '') && instance.ProtectedFromScaleIn !== true;
}

/**
 * An overridden endpoint is a local fake or emulator: it gets fixed credentials, never the real ones.
 * Each attempt gives up after 10 s (without throwOnRequestTimeout the SDK only warns); the scaling's
 * deadline stops the whole call sooner when its webhook has less time left.
 */
function clientOptions(region: string, endpoint: string | undefined) {
  const local = endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
  return { region, maxAttempts: 3, requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true }, ...local };
}

/** "ValidationError: New SetDesiredCapacity value 30 is above max value 20 for the AutoScalingGroup." */
function awsMessage(error: unknown): string {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return [name, message].filter((part) => typeof part === 'string' && part).join(': ') || String(error);
}
