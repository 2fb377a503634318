import { scrub } from './messages';
import type { CreateProvider, Provider, ProviderContext } from './provider';
import type { PlatformTarget } from '../targets/schema';

type Load<P extends PlatformTarget['provider']> = () => Promise<CreateProvider<Extract<PlatformTarget, { provider: P }>>>;

/**
 * Every platform Tide reaches, keyed by `target.provider`, alphabetical; the simulator, which Tide runs itself, is built in context.ts.
 * Each platform's module (its answers' schemas, its SDK) is loaded when a target first needs it, not with the function.
 */
const providers: { [P in PlatformTarget['provider']]: Load<P> } = {
  alauda: async () => (await import('./alauda')).alauda,
  ecs: async () => (await import('./ecs')).ecs,
  http: async () => (await import('./http')).http,
  kubernetes: async () => (await import('./kubernetes')).kubernetes,
  occs: async () => (await import('./occs')).occs,
  rancher: async () => (await import('./rancher')).rancher,
  swarm: async () => (await import('./swarm')).swarm,
};

/**
 * The target's provider. Every secret it resolves is scrubbed from whatever it
 * throws (the message an event, an answer or a log would show, and the causes
 * behind it), since platforms echo requests back, headers included.
 */
export function createProvider(target: PlatformTarget, context: ProviderContext): Provider {
  const load = providers[target.provider] as () => Promise<CreateProvider<PlatformTarget>>;
  return concealingSecrets((concealing) => loadedAtFirstCall(async () => (await load())(target, concealing)), context);
}

/** A provider whose module is loaded by its first call. */
function loadedAtFirstCall(load: () => Promise<Provider>): Provider {
  let provider: Promise<Provider> | undefined;
  const loaded = () => (provider ??= load());
  return {
    readReplicas: async () => (await loaded()).readReplicas(),
    setReplicas: async (request) => (await loaded()).setReplicas(request),
  };
}

/** A provider built with a context that remembers each secret it resolves, so that its failures can be scrubbed of them. */
export function concealingSecrets(create: (context: ProviderContext) => Provider, context: ProviderContext): Provider {
  const resolved: string[] = [];
  const provider = create({
    ...context,
    resolveSecret: async (reference) => {
      const value = await context.resolveSecret(reference);
      resolved.push(value);
      return value;
    },
  });
  const concealing = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw withoutSecrets(error, resolved);
    }
  };
  return {
    readReplicas: () => concealing(() => provider.readReplicas()),
    setReplicas: (request) => concealing(() => provider.setReplicas(request)),
  };
}

function withoutSecrets(error: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return error;
  for (let inner = error, depth = 0; inner instanceof Error && depth < 10; inner = inner.cause, depth += 1) {
    inner.message = scrub(inner.message, secrets);
    if (inner.stack) inner.stack = scrub(inner.stack, secrets);
  }
  return error;
}
