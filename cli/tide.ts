/**
 * `tide`: the admin CLI, the entry point of its bundle (dist/tide.cjs, which cli/bin.cjs builds and runs). Talks to the
 * admin API at TIDE_URL, else the URL `npm start` writes to .tide/url, with TIDE_ADMIN_TOKEN, else .tide/admin-token.
 */
import { run } from './main';

run(process.argv.slice(2), process.env, (line) => console.log(line), (line) => console.error(line)).then((code) => process.exit(code));
