import * as z from 'zod';
import type { Tide } from '../app';
import { randomToken } from '../credentials/random';
import { evaluateServices } from '../evaluator/evaluate';
import { ConflictError, NotFoundError, UpstreamError, ValidationError } from '../errors';
import { noQuery, parseQuery, wholeNumberParam } from '../http/query';
import { json, noContent, type HttpEvent, type HttpResult } from '../http/types';
import { namespaceName, resourceName } from '../names';
import { providerFor } from '../providers/context';
import { redactTarget } from '../targets/schema';
import { scaleService } from '../scaling/service';
import { shadowPolicies, type PolicyBounds, type Score, type ShadowState } from '../policy';
import type { ServiceState } from '../store/serviceState';
import type { StoredService } from '../store/services';
import { parseOrThrow } from '../validation';
import { parseServiceDocument } from './schema';

const namespaceQuery = z.object({ namespace: namespaceName.default('default') });

const servicePath = (event: HttpEvent): string => parseOrThrow(resourceName, event.pathParameters?.service, 'path');

function where(event: HttpEvent): { namespace: string; service: string } {
  const { namespace } = parseQuery(namespaceQuery, event);
  return { namespace, service: servicePath(event) };
}

async function existing(app: Tide, namespace: string, service: string): Promise<StoredService> {
  const svc = await app.services.get(namespace, service);
  if (!svc) throw new NotFoundError(`no service ${service} in namespace ${namespace}`);
  return svc;
}

/** The document as shown to operators: secrets stay references, URLs lose any userinfo, the policies' stamp is Tide's own. */
function view({ policyStamp: _stamp, ...svc }: StoredService, state?: ServiceState, bounds?: PolicyBounds) {
  const shown = { ...svc, target: redactTarget(svc.target) };
  if (!state) return shown;
  const last = state.scalings.at(-1);
  return {
    ...shown,
    status: {
      replicas: state.replicas ?? null,
      desired: state.desired ?? null,
      lastDecision: state.lastDecision ? { ...state.lastDecision, ts: new Date(state.lastDecision.ts).toISOString() } : null,
      lastScaling: last ? { ...last, ts: new Date(last.ts).toISOString() } : null,
      ...(svc.shadows && bounds ? { shadows: shadowsView(svc.shadows, state.shadows, bounds) } : {}),
    },
  };
}

/**
 * Each shadow of the document beside the live policy over the same minutes, since the shadow
 * started; nulls and zeros until its first evaluation, and again once its policy was edited
 * until the next one starts it afresh.
 */
function shadowsView(shadows: StoredService['shadows'] & object, states: Readonly<Record<string, ShadowState>> | undefined, bounds: PolicyBounds) {
  const fingerprints = new Map(shadowPolicies(shadows, bounds).map((s) => [s.name, s.fingerprint]));
  const figures = (score: Score) => ({
    replicaMinutes: round(score.replicaMinutes),
    overloadedMinutes: round(score.overloadedMinutes),
    scalingActions: score.scalingActions,
  });
  const zero = { replicaMinutes: 0, overloadedMinutes: 0, scalingActions: 0 };
  return Object.fromEntries(
    Object.keys(shadows).map((name) => {
      const kept = states?.[name];
      const shadow = kept && kept.fingerprint === fingerprints.get(name) ? kept : undefined;
      const last = shadow?.lastDecision;
      return [
        name,
        {
          since: shadow ? new Date(shadow.since).toISOString() : null,
          minutes: shadow ? round(shadow.minutes) : 0,
          replicas: shadow?.replicas ?? null,
          lastDecision: last ? { ...last, ts: new Date(last.ts).toISOString() } : null,
          live: shadow ? figures(shadow.live) : zero,
          shadow: shadow ? figures(shadow.shadow) : zero,
        },
      ];
    }),
  );
}

/** Minutes of buckets shorter than a minute are fractions: two decimals are plenty. */
const round = (n: number): number => Math.round(n * 100) / 100;

export async function putService(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const { namespace, service } = where(event);
  const document = parseServiceDocument(event.json, service, namespace, app.config);
  const { created, stored } = await app.services.put({ namespace, service, ...document }, app.now());
  return json(created ? 201 : 200, view(stored));
}

export async function listServices(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const { namespace } = parseQuery(namespaceQuery, event);
  const services = await app.services.list(namespace);
  const states = await app.serviceStates.getMany(services);
  return json(200, { items: services.map((s) => view(s, states.get(`${s.namespace}#${s.service}`), app.config)) });
}

export async function getService(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const { namespace, service } = where(event);
  const svc = await existing(app, namespace, service);
  const states = await app.serviceStates.getMany([svc]);
  return json(200, view(svc, states.get(`${namespace}#${service}`), app.config));
}

export async function deleteService(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const { namespace, service } = where(event);
  if (!(await app.services.delete(namespace, service))) throw new NotFoundError(`no service ${service} in namespace ${namespace}`);
  // A service created again under the same name starts afresh; its events stay until they expire.
  await Promise.all([
    app.serviceStates.delete(namespace, service),
    app.simulatedServices.delete(namespace, service),
  ]);
  return noContent();
}

const eventsQuery = namespaceQuery.extend({ limit: wholeNumberParam(1, 500).default(50) });

export async function listEvents(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const service = servicePath(event);
  const query = parseQuery(eventsQuery, event);
  await existing(app, query.namespace, service);
  return json(200, { items: await app.events.list(query.namespace, service, query.limit) });
}

const manualScale = z.strictObject(
  {
    replicas: z.number({ error: 'must be a whole number >= 0' }).int({ error: 'must be a whole number >= 0' }).min(0, { error: 'must be a whole number >= 0' }),
    reason: z.string({ error: 'must be a string' }).max(500, { error: 'must be at most 500 characters' }).optional(),
  },
  { error: 'must be a JSON object' },
);

/** `POST /v1/services/{service}/scale`: an operator's scaling, through the lease, the platform and the history. */
export async function scaleManually(event: HttpEvent, app: Tide, deadline: number): Promise<HttpResult> {
  const { namespace, service } = where(event);
  const request = parseOrThrow(manualScale, event.json);
  const svc = await existing(app, namespace, service);
  if (request.replicas < svc.min || request.replicas > svc.max) {
    throw new ValidationError([{ path: 'replicas', message: `must be within the service's min ${svc.min} and max ${svc.max}` }]);
  }
  const reason = request.reason ?? 'manual scale';
  const outcome = await scaleService(
    app,
    svc,
    { trigger: 'manual', plan: () => ({ to: request.replicas, reason }) },
    { owner: `manual-${randomToken(10)}`, wait: true, dryRun: false, provider: providerFor(app, svc), deadline },
  );
  // Busy: the service stayed busy past the wait, or this scaling outlasted its lease and recorded nothing.
  if (outcome.status === 'busy') throw new ConflictError([outcome.reason, outcome.detail].filter(Boolean).join(': '));
  if (outcome.status === 'failed') throw new UpstreamError(`the platform refused the scaling: ${outcome.detail ?? 'unknown error'}`);
  return json(200, { from: outcome.from, to: outcome.to, status: outcome.status, reason, ...(outcome.event ? { event: outcome.event } : {}) });
}

const evaluateRequest = z.strictObject(
  {
    dryRun: z.boolean({ error: 'must be true or false' }).default(false),
    services: z.array(resourceName).max(1000).optional(),
    namespace: namespaceName.optional(),
  },
  { error: 'must be a JSON object' },
);

/** `POST /v1/evaluate`: the evaluator, now, answering with its decisions. */
export async function evaluateNow(event: HttpEvent, app: Tide, deadline: number): Promise<HttpResult> {
  // The namespace and services go in the body; a `?namespace=` left unread would evaluate every namespace.
  parseQuery(noQuery, event);
  const request = parseOrThrow(evaluateRequest, event.json ?? {});
  const decisions = await evaluateServices(app, {
    owner: `evaluate-${randomToken(10)}`,
    deadline,
    dryRun: request.dryRun,
    ...(request.namespace ? { namespace: request.namespace } : {}),
    ...(request.services ? { services: request.services } : {}),
  });
  return json(200, { decisions });
}
