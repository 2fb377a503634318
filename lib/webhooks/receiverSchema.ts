import * as z from 'zod';
import { parseDuration } from '../duration';
import { resourceName } from '../names';
import type { Action, AlertmanagerOptions, DeleteOption, ReceiverConfig } from '../store/receivers';
import { RancherError } from './errors';

// A receiver as Rancher 1.6's webhook service takes it. Rancher stops at the
// first problem and says it in its own words, so each field's checks are in
// Rancher's order, fields in the order Rancher checks them, and only the first
// problem is answered. A missing number is Go's zero value, which Rancher then
// refuses as "not provided/invalid"; a value of the wrong type is refused by
// Go's JSON decoder before any check, as "Bad request body".

const DRIVERS = ['scaleService', 'scaleHost'] as const;
export type Driver = (typeof DRIVERS)[number];
const SCALE_ON = ['eachNewAlert', 'everyNotification'] as const;

const MAX_COOLDOWN_MS = 24 * 3600 * 1000;
const COOLDOWN_RULE = 'Invalid cooldown: must be a duration from "1s" to "24h", such as "60s"';
const MAX_NAME = 128;
const SCALE_ON_RULE = 'Invalid alertmanager.scaleOn: must be "eachNewAlert" or "everyNotification"';

const badBody = (field: string, what: string) => `Bad request body: ${field} must be ${what}`;

const text = (field: string) => z.string({ error: badBody(field, 'a string') }).default('');

const whole = (field: string) =>
  z
    .number({ error: badBody(field, 'a whole number') })
    .int({ error: badBody(field, 'a whole number') })
    .default(0);

const action = (field: string) =>
  text(field)
    .refine((a) => a !== '', { error: 'Scale action not provided', abort: true })
    .refine((a) => a === 'up' || a === 'down', { error: (issue) => `Invalid action ${String(issue.input)}` })
    .transform((a) => a as Action);

const amount = (field: string) => whole(field).refine((n) => n > 0, { error: (issue) => `Invalid amount: ${String(issue.input)}` });
const min = (field: string) => whole(field).refine((n) => n > 0, { error: 'Minimum scale not provided/invalid' });
const max = (field: string) => whole(field).refine((n) => n > 0, { error: 'Maximum scale not provided/invalid' });

function minBelowMax(config: { min: number; max: number }, ctx: z.RefinementCtx): void {
  if (config.min >= config.max) ctx.addIssue({ code: 'custom', message: 'Max must be greater than min' });
}

const scaleServiceConfig = z
  .object(
    {
      action: action('scaleServiceConfig.action'),
      amount: amount('scaleServiceConfig.amount'),
      serviceId: text('scaleServiceConfig.serviceId')
        .refine((id) => id !== '', { error: 'ServiceId not provided', abort: true })
        .refine((id) => resourceName.safeParse(id).success, { error: (issue) => `Invalid service ${String(issue.input)}` }),
      min: min('scaleServiceConfig.min'),
      max: max('scaleServiceConfig.max'),
    },
    { error: badBody('scaleServiceConfig', 'an object') },
  )
  .superRefine(minBelowMax);

const scaleHostConfig = z
  .object(
    {
      action: action('scaleHostConfig.action'),
      amount: amount('scaleHostConfig.amount'),
      hostSelector: z
        .record(z.string(), z.string({ error: badBody('scaleHostConfig.hostSelector', 'an object of strings') }), {
          error: (issue) => (issue.input === undefined ? 'HostSelector not provided' : badBody('scaleHostConfig.hostSelector', 'an object of strings')),
        })
        .refine((labels) => Object.keys(labels).length > 0, { error: 'HostSelector not provided' }),
      min: min('scaleHostConfig.min'),
      max: max('scaleHostConfig.max'),
      deleteOption: text('scaleHostConfig.deleteOption'),
    },
    { error: badBody('scaleHostConfig', 'an object') },
  )
  .superRefine(minBelowMax)
  .superRefine((config, ctx) => {
    if (config.action === 'up' && config.deleteOption !== '') {
      ctx.addIssue({ code: 'custom', message: 'Delete option not to be provided while scaling up' });
    }
    if (config.action === 'down' && config.deleteOption !== 'mostRecent' && config.deleteOption !== 'leastRecent') {
      ctx.addIssue({ code: 'custom', message: `Invalid delete option/Delete option missing ${config.deleteOption}` });
    }
  })
  .transform(({ deleteOption, ...config }): typeof config & { deleteOption?: DeleteOption } =>
    deleteOption ? { ...config, deleteOption: deleteOption as DeleteOption } : config,
  );

const receiverHead = z.object(
  {
    name: text('name')
      .refine((n) => n !== '', { error: 'Name not provided', abort: true })
      .refine((n) => n.length <= MAX_NAME, { error: `Name must be at most ${MAX_NAME} characters` }),
    driver: text('driver')
      .refine((d) => d !== '', { error: 'Driver not provided', abort: true })
      .refine((d) => (DRIVERS as readonly string[]).includes(d), { error: (issue) => `Invalid driver ${String(issue.input)}` })
      .transform((d) => d as Driver),
    // Beyond Rancher: the least time between two triggers that act.
    cooldown: z.string({ error: COOLDOWN_RULE }).refine(isCooldown, { error: COOLDOWN_RULE }).optional(),
    // Beyond Rancher: how Alertmanager notifications scale.
    alertmanager: z
      .strictObject(
        { scaleOn: z.enum(SCALE_ON, { error: SCALE_ON_RULE }).default('eachNewAlert') },
        {
          error: (issue) =>
            issue.code === 'unrecognized_keys'
              ? `Invalid alertmanager: unknown field ${issue.keys.join(', ')}; the only field is scaleOn`
              : badBody('alertmanager', 'an object'),
        },
      )
      .optional(),
  },
  { error: 'Bad request body: must be a JSON object' },
);

export interface ReceiverRequest {
  name: string;
  config: ReceiverConfig;
  cooldown?: string;
  alertmanager?: AlertmanagerOptions;
}

/** A create request's receiver, or a 400 with Rancher's message for the first problem. */
export function parseReceiverRequest(body: unknown): ReceiverRequest {
  const head = firstProblem(receiverHead, body);
  const fields = body as Record<string, unknown>;
  const config: ReceiverConfig =
    head.driver === 'scaleService'
      ? { driver: 'scaleService', ...firstProblem(scaleServiceConfig, fields.scaleServiceConfig ?? {}) }
      : { driver: 'scaleHost', ...firstProblem(scaleHostConfig, fields.scaleHostConfig ?? {}) };
  return {
    name: head.name,
    config,
    ...(head.cooldown === undefined ? {} : { cooldown: head.cooldown }),
    ...(head.alertmanager === undefined ? {} : { alertmanager: head.alertmanager }),
  };
}

function isCooldown(text: string): boolean {
  try {
    const ms = parseDuration(text);
    return ms >= 1000 && ms <= MAX_COOLDOWN_MS;
  } catch {
    return false;
  }
}

function firstProblem<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new RancherError(400, result.error.issues[0]?.message ?? 'Bad request body');
  return result.data;
}
