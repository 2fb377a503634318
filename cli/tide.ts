/**
 * `tide`: the admin CLI. Talks to the admin API at TIDE_URL with the token in
 * TIDE_ADMIN_TOKEN (locally, the one `npm start` keeps in .tide/).
 */
import { run } from './main';

run(process.argv.slice(2), process.env, (line) => console.log(line), (line) => console.error(line)).then((code) => process.exit(code));
