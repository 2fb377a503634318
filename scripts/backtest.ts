/**
 * `npm run backtest -- --trace ../shared/traces/x.csv --capacity 50`: replays a per-minute request
 * trace through the decision engine and the simulated service, and prints a JSON summary.
 * See docs/BACKTEST.md. Exits 2 on bad input, naming the flag at fault.
 */
import { backtestCommand } from '../lib/backtest/command';

process.exitCode = await backtestCommand(process.argv.slice(2), (text) => console.log(text), (text) => console.error(text));
