import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Policy, Schedule } from '../policy';
import type { Target } from '../targets/schema';
import { attr, keys, withoutKeys } from './keys';
import { queryAll } from './queryAll';

/** How the evaluator treats a service: it scales, only records what it would do, or leaves scaling to webhooks and operators. */
export type Mode = 'auto' | 'dry-run' | 'manual';

/** A service as an operator gave it, converted to Tide's own fields (lib/services/schema.ts checks and converts). */
export interface ServiceDocument {
  mode: Mode;
  min: number;
  max: number;
  /** How often the evaluator looks at the service, as written ("15s"). */
  evaluationInterval: string;
  target: Target;
  /** Absent only in mode manual. */
  policy?: Policy;
  /** Candidate policies, by name, decided beside the live one and never acting (lib/policy/shadow.ts). */
  shadows?: Record<string, Policy>;
  /** Windows of time with other bounds than min and max (lib/policy/schedules.ts). */
  schedules?: Schedule[];
  /**
   * What the parse of policy and shadows depended on beyond the document (lib/policy/stored.ts):
   * the evaluator runs them as stored while it matches its own, and parses them again when not.
   * Tide's own: never shown to clients. Absent on documents written before it existed.
   */
  policyStamp?: string;
}

/** A stored service: its document as converted on PUT, and when it was written. */
export interface StoredService extends ServiceDocument {
  namespace: string;
  service: string;
  createdAt: string;
  updatedAt: string;
}

export class ServiceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Creates or replaces; says whether it was new. */
  async put(service: Omit<StoredService, 'createdAt' | 'updatedAt'>, now: number): Promise<{ created: boolean; stored: StoredService }> {
    const key = keys.service(service.namespace, service.service);
    const existing = await this.get(service.namespace, service.service);
    const iso = new Date(now).toISOString();
    const stored: StoredService = { ...service, createdAt: existing?.createdAt ?? iso, updatedAt: iso };
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...key, ...stored } }));
    return { created: existing === undefined, stored };
  }

  async get(namespace: string, service: string): Promise<StoredService | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.service(namespace, service), ConsistentRead: true }));
    return out.Item ? withoutKeys<StoredService>(out.Item) : undefined;
  }

  /** Every service, or one namespace's: one paginated query of the service partition. */
  async list(namespace?: string): Promise<StoredService[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: namespace === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': attr.pk, ...(namespace === undefined ? {} : { '#sk': attr.sk }) },
      ExpressionAttributeValues: { ':pk': keys.servicePartition, ...(namespace === undefined ? {} : { ':prefix': `${namespace}#` }) },
    });
    return items.map((item) => withoutKeys<StoredService>(item));
  }

  async delete(namespace: string, service: string): Promise<boolean> {
    const out = await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.service(namespace, service), ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }
}
