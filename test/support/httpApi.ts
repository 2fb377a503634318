import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll } from 'vitest';
import { httpRoutes, startHttpApi as startEmulator, type HttpApiServer } from '../../scripts/local/httpApi';
import { declaredConfig } from '../../scripts/local/serverlessConfig';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const root = join(import.meta.dirname, '..', '..');

/**
 * The local stack's HTTP API emulator (what `npm start` serves) on a free
 * port, calling the handlers from functions/ in this process, so a test can
 * set their environment and clock. The events are the ones `npm start` and
 * API Gateway build.
 */
export async function startHttpApi(): Promise<HttpApiServer> {
  const { functions } = declaredConfig(root);
  const handlers = new Map<string, Handler>();
  return startEmulator({
    routes: httpRoutes(functions),
    invoke: async (name, event) => {
      const fn = functions.find((f) => f.name === name);
      if (!fn) throw new Error(`no function ${name}`);
      let handler = handlers.get(name);
      if (!handler) {
        handler = ((await import(join(root, fn.source))) as Record<string, Handler>)[fn.exportName] as Handler;
        handlers.set(name, handler);
      }
      // Lambda's remaining time, from the function's timeout in serverless.yml: the scaling routes fit inside it.
      const deadline = Date.now() + fn.timeoutSeconds * 1000;
      return handler(event, { functionName: name, awsRequestId: 'test', getRemainingTimeInMillis: () => deadline - Date.now() } as Context);
    },
    onError: (name, error) => console.error(`[${name}]`, error),
  });
}

/** For a test file: the HTTP API started before its tests and closed after them. Read `url` inside a test or hook. */
export function httpApiForTests(): { readonly url: string } {
  let api: HttpApiServer | undefined;
  beforeAll(async () => {
    api = await startHttpApi();
  });
  afterAll(async () => {
    await api?.close();
  });
  return {
    get url() {
      return api?.url ?? '';
    },
  };
}
