import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig, type TideConfig } from './config';
import { logger } from './observability';
import { ActedAlertStore } from './store/actedAlerts';
import { AgentKeyStore } from './store/agentKeys';
import { createDocumentClient } from './store/client';
import { EventStore } from './store/events';
import { HostPoolStateStore } from './store/hostPoolState';
import { HostPoolStore } from './store/hostPools';
import { IdempotencyStore } from './store/idempotency';
import { MinuteStore } from './store/minutes';
import { RateLimitStore } from './store/rateLimits';
import { ReceiverStore } from './store/receivers';
import { RollupStore } from './store/rollups';
import { ServiceStateStore } from './store/serviceState';
import { ServiceStore } from './store/services';
import { SimulatedServiceStore } from './store/simulatedServices';

/** The composition root: what a warm Lambda container keeps between invocations. */
export interface Tide {
  config: TideConfig;
  db: DynamoDBDocumentClient;
  agentKeys: AgentKeyStore;
  /** Metrics: every node's per-minute aggregates. */
  minutes: MinuteStore;
  services: ServiceStore;
  serviceStates: ServiceStateStore;
  events: EventStore;
  simulatedServices: SimulatedServiceStore;
  receivers: ReceiverStore;
  hostPools: HostPoolStore;
  hostPoolStates: HostPoolStateStore;
  idempotency: IdempotencyStore;
  rateLimits: RateLimitStore;
  actedAlerts: ActedAlertStore;
  rollups: RollupStore;
  now: () => number;
}

/** Wires the stores to one DynamoDB client; the deployment's config is read here, once, and passed down. */
export function createTide(config: TideConfig = loadConfig(), now: () => number = Date.now): Tide {
  logger.setLogLevel(config.logLevel);
  const db = createDocumentClient(config);
  const events = new EventStore(db, config.tableName, config.eventRetentionSeconds);
  return {
    config,
    db,
    agentKeys: new AgentKeyStore(db, config.tableName),
    minutes: new MinuteStore(db, config.tableName, config.serviceShards),
    services: new ServiceStore(db, config.tableName),
    serviceStates: new ServiceStateStore(db, config.tableName, events),
    events,
    simulatedServices: new SimulatedServiceStore(db, config.tableName),
    receivers: new ReceiverStore(db, config.tableName),
    hostPools: new HostPoolStore(db, config.tableName),
    hostPoolStates: new HostPoolStateStore(db, config.tableName),
    idempotency: new IdempotencyStore(db, config.tableName),
    rateLimits: new RateLimitStore(db, config.tableName),
    actedAlerts: new ActedAlertStore(db, config.tableName),
    rollups: new RollupStore(db, config.tableName),
    now,
  };
}

let shared: Tide | undefined;

export function tide(): Tide {
  shared ??= createTide();
  return shared;
}
