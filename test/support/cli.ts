import { run } from '../../cli/main';
import { ADMIN_TOKEN } from './client';

/** The tide CLI run in this process against `api` with the admin token, as an operator's shell would: its exit code and what it printed. */
export function tideCli(api: { readonly url: string }) {
  return async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(argv, { TIDE_URL: api.url, TIDE_ADMIN_TOKEN: ADMIN_TOKEN }, (l) => out.push(l), (l) => err.push(l));
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
}
