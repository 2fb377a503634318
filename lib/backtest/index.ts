// Replays a request trace through the decision engine and the simulated service
// (`npm run backtest`), and renders what happened.
export { renderChart, type ChartOptions } from './chart';
export { parsePolicyFile, type BacktestPolicy } from './policyFile';
export { runBacktest, type BacktestOptions, type BacktestResult } from './run';
export { seriesCsv, type MinuteRow } from './series';
export type { BacktestSummary } from './summary';
export { parseTrace } from './trace';
export { backtestCommand } from './command';
