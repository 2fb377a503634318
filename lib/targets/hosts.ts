import * as z from 'zod';

// Host pool targets, apart from the providers that act on them: the admin API
// validates pools with these schemas alone, so its bundle carries none of the
// platforms' SDK clients.

const RULE = {
  group: 'must be the name of an Auto Scaling group (1-255 characters)',
  region: 'must be an AWS region such as eu-west-1',
};

/** An EC2 Auto Scaling group (lib/providers/hosts/ec2Asg.ts). */
export const ec2AsgTarget = z.strictObject({
  provider: z.literal('ec2-asg'),
  autoScalingGroupName: z.string({ error: RULE.group }).min(1, { error: RULE.group }).max(255, { error: RULE.group }),
  region: z.string({ error: RULE.region }).regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, { error: RULE.region }),
});

export type Ec2AsgTarget = z.output<typeof ec2AsgTarget>;

const KNOWN = 'ec2-asg';

/** A host pool's target: which platform runs its hosts and how to reach it. */
export const hostPoolTargetSchema = z.discriminatedUnion('provider', [ec2AsgTarget], {
  error: (issue) => {
    if (issue.code === 'invalid_union') return `must be one of: ${KNOWN}`;
    if (issue.code === 'invalid_type') return `must be an object with a provider (${KNOWN})`;
    return undefined;
  },
});

export type HostPoolTarget = z.output<typeof hostPoolTargetSchema>;
