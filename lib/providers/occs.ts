import { createHash } from 'node:crypto';
import * as z from 'zod';
import { apiPath, ApiCallError, callJson, type JsonRequest } from './jsonApi';
import { safeJson, shownUrl } from './messages';
import { ProviderError, type CreateProvider, type Provider, type ProviderContext, type ScaleRequest } from './provider';
import type { OccsTarget } from '../targets/occs';
import { PlatformClient } from './transport';

// Oracle Container Cloud Service. A deployment runs a stack of services, and its
// `quantities` say how many containers each service should have: scaling one
// service is a read of the deployment, then a PUT of it with that one quantity changed
// (what the seed's GetDeployFileTemplate / UpdateDeployScaling pair did).
//
// From the seed: `PUT /api/v2/deployments/{deployment_id}` with
// `Authorization: Bearer <token>`, the token being what `GET /api/token` answers
// after the `POST /api/auth` login; and the deployment document, `{"deployment": {…, "quantities": {service: N}}}`.
// The seed is silent on the read and on the PUT body (its scale_deployment.json is
// not shown), so both follow Oracle's REST reference: `GET /api/v2/deployments/{deployment_id}`
// answers the document above, and the PUT body is the deployment's own fields, unwrapped.
//
// The secret is either that bearer token, or the user and password the seed logs
// in with: `POST /api/auth` {"username", "password"} answers the user with a session
// `token`, and `GET /api/token` with `Authorization: Session <token>` answers
// {"token": <bearer>}. Bearers from a login expire, so a 401 means: log in anew, once.

const TIMEOUT = '10s';

const deploymentAnswer = z.object({
  deployment: z.looseObject({ quantities: z.record(z.string(), z.number().int().min(0)) }),
});

type Deployment = z.output<typeof deploymentAnswer>['deployment'];

/** What both `POST /api/auth` (a user, among other fields) and `GET /api/token` answer. */
const tokenAnswer = z.object({ token: z.string().min(1) });

/** A login as the secret holds it: Secrets Manager's usual shape for a user and password. */
const loginSecret = z.object({ username: z.string().min(1), password: z.string().min(1) });

type Login = z.output<typeof loginSecret>;

type ApiRequest = Pick<JsonRequest, 'method' | 'body'>;

type Operation = 'read' | 'scale';

/**
 * Bearer tokens from logins, kept while the Lambda is warm so it logs in once, not
 * on every call. Keyed by the manager, the user and a hash of the password, so a
 * target with a wrong password never borrows another target's login. A pending
 * login is shared, so services evaluated together log in once.
 */
const bearers = new Map<string, Promise<string>>();

/** The fields Oracle's "Update a Deployment" takes; the rest of what GET answers (generation, states) is the manager's. */
const UPDATABLE = ['deployment_id', 'deployment_name', 'desired_state', 'placement', 'stack'] as const;

export class OccsProvider implements Provider {
  private readonly url: string;
  private readonly platform: PlatformClient;

  constructor(
    private readonly target: OccsTarget,
    context: ProviderContext,
  ) {
    this.platform = new PlatformClient('occs', context);
    this.url = apiPath(target.url, `/api/v2/deployments/${encodeURIComponent(target.deploymentId)}`);
  }

  async readReplicas(): Promise<number | undefined> {
    return quantityOf(await this.readDeployment('read'), this.target, 'read');
  }

  /**
   * Read, change one quantity, write back: the API has no call for one service's quantity.
   * Two writers racing could undo each other's change; Tide holds a lease per service,
   * so only another tool scaling the same deployment at the same moment could.
   */
  async setReplicas(request: ScaleRequest): Promise<void> {
    const deployment = await this.readDeployment('scale');
    quantityOf(deployment, this.target, 'scale');
    await this.send('scale', { method: 'PUT', body: updateBody(deployment, this.target.serviceName, request.to) });
  }

  private async readDeployment(operation: 'read' | 'scale'): Promise<Deployment> {
    const answer = deploymentAnswer.safeParse(await this.send(operation, { method: 'GET' }));
    if (!answer.success) {
      throw new ProviderError('occs', operation, `GET ${this.url} answered without a deployment's quantities`);
    }
    return answer.data.deployment;
  }

  private async send(operation: 'read' | 'scale', request: ApiRequest): Promise<unknown> {
    const secret = await this.platform.secret(operation, this.target.credentials, 'the credentials');
    const credentials = secret.trimStart().startsWith('{') ? this.loginIn(secret, operation) : undefined;
    try {
      return await (credentials ? this.callLoggedIn(operation, request, credentials) : this.callApi(operation, request, secret));
    } catch (error) {
      if (error instanceof ApiCallError) throw new ProviderError('occs', operation, error.message, { cause: error });
      throw error;
    }
  }

  private callApi(operation: Operation, request: ApiRequest, bearer: string): Promise<unknown> {
    return callJson(this.platform, operation, { ...request, url: this.url, authorization: `Bearer ${bearer}`, timeout: TIMEOUT });
  }

  /** With the cached bearer; when it has expired (a 401), with one from a new login, once. */
  private async callLoggedIn(operation: Operation, request: ApiRequest, credentials: Login): Promise<unknown> {
    const key = [apiPath(this.target.url, ''), credentials.username, createHash('sha256').update(credentials.password).digest('hex')].join('\n');
    const cached = this.bearer(operation, key, credentials);
    // A refused login is not worth a second try: it fails here, before the retry below.
    const bearer = await cached;
    try {
      return await this.callApi(operation, request, bearer);
    } catch (error) {
      if (!(error instanceof ApiCallError && error.status === 401)) throw error;
      // Only if no other call has logged in anew meanwhile.
      if (bearers.get(key) === cached) bearers.delete(key);
    }
    try {
      return await this.callApi(operation, request, await this.bearer(operation, key, credentials));
    } catch (error) {
      if (!(error instanceof ApiCallError && error.status === 401)) throw error;
      throw new ApiCallError(`${error.message}, again after logging in anew as ${credentials.username}`, { cause: error, status: error.status });
    }
  }

  private bearer(operation: Operation, key: string, credentials: Login): Promise<string> {
    const cached = bearers.get(key);
    if (cached) return cached;
    const pending = this.logIn(operation, credentials);
    bearers.set(key, pending);
    // A failed login is not remembered: the next call tries again.
    pending.catch(() => {
      if (bearers.get(key) === pending) bearers.delete(key);
    });
    return pending;
  }

  /** The seed's login: a session token for the user and password, traded for a bearer token. */
  private async logIn(operation: Operation, { username, password }: Login): Promise<string> {
    // These calls send the password and answer tokens, so their messages quote no body.
    const auth = apiPath(this.target.url, '/api/auth');
    let user: unknown;
    try {
      user = await callJson(this.platform, operation, { method: 'POST', url: auth, body: { username, password }, timeout: TIMEOUT, secretBodies: true });
    } catch (error) {
      if (!(error instanceof ApiCallError && error.status === 401)) throw error;
      // No status on this one: it is the login that failed, not a bearer that expired.
      throw new ApiCallError(`the manager refused the user ${username} and the password in ${this.target.credentials}: ${error.message}`, {
        cause: error,
      });
    }
    const session = tokenAnswer.safeParse(user);
    if (!session.success) throw new ApiCallError(`POST ${shownUrl(auth)} answered without a session token`);
    const exchange = apiPath(this.target.url, '/api/token');
    const answer = await callJson(this.platform, operation, { method: 'GET', url: exchange, authorization: `Session ${session.data.token}`, timeout: TIMEOUT, secretBodies: true });
    const bearer = tokenAnswer.safeParse(answer);
    if (!bearer.success) throw new ApiCallError(`GET ${shownUrl(exchange)} answered without a bearer token`);
    return bearer.data.token;
  }

  /** A secret that is a JSON object is a login; its message shows none of it, a mistyped password could be in the rest. */
  private loginIn(secret: string, operation: Operation): Login {
    const credentials = loginSecret.safeParse(safeJson(secret));
    if (credentials.success) return credentials.data;
    throw new ProviderError('occs', operation, `${this.target.credentials} holds JSON but not a login: it needs "username" and "password", both non-empty strings`);
  }
}

export const occs: CreateProvider<OccsTarget> = (target, context) => new OccsProvider(target, context);

/** The service's quantity; a service the deployment does not run is a mistake in the target, said plainly. */
function quantityOf(deployment: Deployment, target: OccsTarget, operation: 'read' | 'scale'): number {
  const quantity = deployment.quantities[target.serviceName];
  if (quantity === undefined) {
    const known = Object.keys(deployment.quantities).sort().join(', ') || 'none';
    throw new ProviderError('occs', operation, `deployment ${target.deploymentId} has no service ${target.serviceName} (its services: ${known})`);
  }
  return quantity;
}

/** The PUT body: the deployment as read, unwrapped, with one service's quantity changed. */
export function updateBody(deployment: Deployment, serviceName: string, replicas: number): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of UPDATABLE) if (deployment[field] !== undefined) body[field] = deployment[field];
  body.quantities = { ...deployment.quantities, [serviceName]: replicas };
  return body;
}
