import { createCollector } from './collector';
import { AgentConfigError, loadAgentConfig } from './config';
import { dockerEngine } from './docker';
import { jsonLines } from './log';
import { runAgent } from './loop';
import { createSender } from './sender';
import { sleep } from './sleep';

/** The node agent: `npm run agent`, or `node tide-agent.cjs` from `npm run build:agent`. */
async function main(): Promise<void> {
  const config = loadAgentConfig();
  const log = jsonLines(config.logLevel);
  const collector = createCollector({ docker: dockerEngine(config.docker), naming: config.naming, now: Date.now, log });
  const sender = createSender({
    tideUrl: config.tideUrl,
    agentKey: config.agentKey,
    node: config.node,
    postIntervalMs: config.intervalMs,
    sampleIntervalMs: config.sampleIntervalMs,
    log,
    now: Date.now,
    sleep,
    random: Math.random,
  });
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log('info', `${signal}: sending what is left, then stopping`);
      stop.abort();
    });
  }
  // Never the agent key: logs travel further than secrets should.
  log('info', 'started', { tide: config.tideUrl, node: config.node, intervalMs: config.intervalMs, sampleIntervalMs: config.sampleIntervalMs, docker: config.docker });
  await runAgent({ collector, sender, log, intervalMs: config.sampleIntervalMs, now: Date.now, sleep, signal: stop.signal });
}

main().catch((error: unknown) => {
  if (error instanceof AgentConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`tide-agent: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
