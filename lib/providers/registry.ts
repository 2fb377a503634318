import { alauda } from './alauda';
import { ecs } from './ecs';
import { http } from './http';
import { kubernetes } from './kubernetes';
import { scrub } from './messages';
import { occs } from './occs';
import type { CreateProvider, Provider, ProviderContext } from './provider';
import { rancher } from './rancher';
import { swarm } from './swarm';
import type { PlatformTarget } from '../targets/schema';

/** Every platform Tide reaches, keyed by `target.provider`, alphabetical; the simulator, which Tide runs itself, is built in context.ts. */
const providers: { [P in PlatformTarget['provider']]: CreateProvider<Extract<PlatformTarget, { provider: P }>> } = { alauda, ecs, http, kubernetes, occs, rancher, swarm };

/**
 * The target's provider. Every secret it resolves is scrubbed from whatever it
 * throws (the message an event, an answer or a log would show, and the causes
 * behind it), since platforms echo requests back, headers included.
 */
export function createProvider(target: PlatformTarget, context: ProviderContext): Provider {
  const create = providers[target.provider] as CreateProvider<PlatformTarget>;
  return concealingSecrets((concealing) => create(target, concealing), context);
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
