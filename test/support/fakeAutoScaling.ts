import { createServer, type Server } from 'node:http';

// A stand-in for the EC2 Auto Scaling and EC2 Query APIs on 127.0.0.1, for
// the real SDK clients: they serialise real requests, and the answers are the
// XML documents of the AWS API reference's sample responses, with this fake's
// values in them. One server answers both APIs; the Version parameter tells
// them apart.

export interface FakeInstance {
  id: string;
  launchTime: string;
  lifecycleState: string;
  protectedFromScaleIn: boolean;
}

export interface FakeGroup {
  name: string;
  min: number;
  max: number;
  desired: number;
  instances: FakeInstance[];
}

export interface FakeCall {
  action: string;
  params: Record<string, string>;
}

const AUTOSCALING_NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';
const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const REQUEST_ID = '7c6e177f-f082-11e1-ac58-3714bEXAMPLE';

function groupXml(group: FakeGroup): string {
  const instances = group.instances
    .map(
      (i) => `
          <member>
            <LaunchConfigurationName>my-lc</LaunchConfigurationName>
            <LifecycleState>${i.lifecycleState}</LifecycleState>
            <InstanceId>${i.id}</InstanceId>
            <AvailabilityZone>us-east-1c</AvailabilityZone>
            <ProtectedFromScaleIn>${i.protectedFromScaleIn}</ProtectedFromScaleIn>
            <HealthStatus>Healthy</HealthStatus>
          </member>`,
    )
    .join('');
  return `
      <member>
        <HealthCheckType>ELB</HealthCheckType>
        <Instances>${instances}
        </Instances>
        <TerminationPolicies>
          <member>Default</member>
        </TerminationPolicies>
        <DefaultCooldown>300</DefaultCooldown>
        <AutoScalingGroupARN>arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:12345678-1234-1234-1234-123456789012:autoScalingGroupName/${group.name}</AutoScalingGroupARN>
        <EnabledMetrics />
        <AvailabilityZones>
          <member>us-east-1b</member>
          <member>us-east-1a</member>
        </AvailabilityZones>
        <Tags />
        <LaunchConfigurationName>my-lc</LaunchConfigurationName>
        <AutoScalingGroupName>${group.name}</AutoScalingGroupName>
        <HealthCheckGracePeriod>300</HealthCheckGracePeriod>
        <NewInstancesProtectedFromScaleIn>false</NewInstancesProtectedFromScaleIn>
        <CreatedTime>2013-05-06T17:47:15.107Z</CreatedTime>
        <MinSize>${group.min}</MinSize>
        <MaxSize>${group.max}</MaxSize>
        <DesiredCapacity>${group.desired}</DesiredCapacity>
        <SuspendedProcesses />
        <VPCZoneIdentifier>subnet-12345678</VPCZoneIdentifier>
      </member>`;
}

function describeGroups(groups: FakeGroup[]): string {
  return `<DescribeAutoScalingGroupsResponse xmlns="${AUTOSCALING_NS}">
  <DescribeAutoScalingGroupsResult>
    <AutoScalingGroups>${groups.map(groupXml).join('')}
    </AutoScalingGroups>
  </DescribeAutoScalingGroupsResult>
  <ResponseMetadata>
    <RequestId>${REQUEST_ID}</RequestId>
  </ResponseMetadata>
</DescribeAutoScalingGroupsResponse>`;
}

function setDesiredCapacity(): string {
  return `<SetDesiredCapacityResponse xmlns="${AUTOSCALING_NS}">
  <ResponseMetadata>
    <RequestId>9fb7e2db-6998-11e2-a985-57c82EXAMPLE</RequestId>
  </ResponseMetadata>
</SetDesiredCapacityResponse>`;
}

function terminateInstance(id: string): string {
  return `<TerminateInstanceInAutoScalingGroupResponse xmlns="${AUTOSCALING_NS}">
  <TerminateInstanceInAutoScalingGroupResult>
    <Activity>
      <StatusCode>InProgress</StatusCode>
      <ActivityId>cczc44a87-7d04-dsa15-31-d27c219864c5</ActivityId>
      <Progress>0</Progress>
      <StartTime>2014-01-26T14:08:30.560Z</StartTime>
      <Cause>At 2014-01-26T14:08:30Z instance ${id} was taken out of service in response to a user request.</Cause>
      <Details>{&quot;Availability Zone&quot;:&quot;us-east-1b&quot;}</Details>
      <Description>Terminating EC2 instance: ${id}</Description>
    </Activity>
  </TerminateInstanceInAutoScalingGroupResult>
  <ResponseMetadata>
    <RequestId>8d798a29-f083-11e1-bdfb-cb223EXAMPLE</RequestId>
  </ResponseMetadata>
</TerminateInstanceInAutoScalingGroupResponse>`;
}

function describeInstances(instances: FakeInstance[]): string {
  const items = instances
    .map(
      (i) => `
        <item>
          <instanceId>${i.id}</instanceId>
          <imageId>ami-bff32ccc</imageId>
          <instanceState>
            <code>16</code>
            <name>running</name>
          </instanceState>
          <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
          <dnsName>ec2-54-194-252-215.eu-west-1.compute.amazonaws.com</dnsName>
          <reason/>
          <keyName>my_keypair</keyName>
          <amiLaunchIndex>0</amiLaunchIndex>
          <productCodes/>
          <instanceType>t2.micro</instanceType>
          <launchTime>${i.launchTime}</launchTime>
          <placement>
            <availabilityZone>eu-west-1c</availabilityZone>
            <groupName/>
            <tenancy>default</tenancy>
          </placement>
          <monitoring>
            <state>disabled</state>
          </monitoring>
        </item>`,
    )
    .join('');
  return `<DescribeInstancesResponse xmlns="${EC2_NS}">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>${items}
      </instancesSet>
    </item>
  </reservationSet>
</DescribeInstancesResponse>`;
}

function autoScalingError(code: string, message: string): string {
  return `<ErrorResponse xmlns="${AUTOSCALING_NS}">
  <Error>
    <Type>Sender</Type>
    <Code>${code}</Code>
    <Message>${message}</Message>
  </Error>
  <RequestId>${REQUEST_ID}</RequestId>
</ErrorResponse>`;
}

/** `Name.member.1=a&Name.member.2=b` → ['a', 'b'], as the Query protocol lists values. */
function listed(params: Record<string, string>, prefix: string): string[] {
  return Object.keys(params)
    .filter((k) => k.startsWith(prefix))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
    .map((k) => params[k] ?? '');
}

/**
 * Starts the fake with some groups. A scale-out adds Pending instances
 * launched a minute after the newest; a scale-in removes the instance and,
 * as AWS does, refuses to go below the group's MinSize.
 */
export async function startFakeAutoScaling(groups: FakeGroup[]) {
  const state = { groups: new Map(groups.map((g) => [g.name, g])), calls: [] as FakeCall[], launched: 0 };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const action = params.Action ?? '';
      state.calls.push({ action, params });
      const answer = (status: number, xml: string) => res.writeHead(status, { 'content-type': 'text/xml' }).end(xml);
      const everyInstance = () => [...state.groups.values()].flatMap((g) => g.instances.map((i) => ({ group: g, instance: i })));

      if (action === 'DescribeAutoScalingGroups') {
        const names = listed(params, 'AutoScalingGroupNames.member.');
        return answer(200, describeGroups(names.flatMap((n) => state.groups.get(n) ?? [])));
      }
      if (action === 'SetDesiredCapacity') {
        const group = state.groups.get(params.AutoScalingGroupName ?? '');
        const desired = Number(params.DesiredCapacity);
        if (!group) return answer(400, autoScalingError('ValidationError', `AutoScalingGroup name not found - AutoScalingGroup ${params.AutoScalingGroupName} not found`));
        if (desired > group.max) {
          return answer(400, autoScalingError('ValidationError', `New SetDesiredCapacity value ${desired} is above max value ${group.max} for the AutoScalingGroup.`));
        }
        const newest = Math.max(0, ...group.instances.map((i) => Date.parse(i.launchTime)));
        for (let n = group.desired; n < desired; n++) {
          state.launched += 1;
          const launchTime = new Date(newest + state.launched * 60_000).toISOString();
          group.instances.push({ id: `i-launched${state.launched}`, launchTime, lifecycleState: 'Pending', protectedFromScaleIn: false });
        }
        group.desired = desired;
        return answer(200, setDesiredCapacity());
      }
      if (action === 'TerminateInstanceInAutoScalingGroup') {
        const found = everyInstance().find(({ instance }) => instance.id === params.InstanceId);
        if (!found) return answer(400, autoScalingError('ValidationError', `Instance Id not found - No managed instance found for instance ID: ${params.InstanceId}`));
        const { group, instance } = found;
        const decrement = params.ShouldDecrementDesiredCapacity === 'true';
        if (decrement && group.desired - 1 < group.min) {
          return answer(
            400,
            autoScalingError(
              'ValidationError',
              `Currently, desiredSize equals minSize (${group.min}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
            ),
          );
        }
        group.instances = group.instances.filter((i) => i !== instance);
        if (decrement) group.desired -= 1;
        return answer(200, terminateInstance(instance.id));
      }
      if (action === 'DescribeInstances') {
        const ids = new Set(listed(params, 'InstanceId.'));
        return answer(200, describeInstances(everyInstance().flatMap(({ instance }) => (ids.has(instance.id) ? [instance] : []))));
      }
      return answer(400, autoScalingError('InvalidAction', `The action ${action} is not valid for this web service.`));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    group: (name: string) => state.groups.get(name),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
