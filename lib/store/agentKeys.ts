import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attr, keys } from './keys';
import { queryAll } from './queryAll';

export interface AgentKeyRecord {
  id: string;
  namespace: string;
  name: string;
  /** SHA-256 of the whole key; the key itself is never stored. */
  hash: string;
  createdAt: string;
}

export class AgentKeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(record: AgentKeyRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.agentKey(record.id), ...record },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': attr.pk },
      }),
    );
  }

  /** Strongly consistent, so a key deleted a moment ago is already refused. */
  async get(id: string): Promise<AgentKeyRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.agentKey(id), ConsistentRead: true }));
    return out.Item ? toRecord(out.Item) : undefined;
  }

  async list(): Promise<AgentKeyRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': attr.pk },
      ExpressionAttributeValues: { ':pk': keys.agentKeyPartition },
    });
    return items.map(toRecord);
  }

  /** Deletes the key; false when there was none. */
  async delete(id: string): Promise<boolean> {
    const out = await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: keys.agentKey(id), ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes !== undefined;
  }
}

function toRecord(item: Record<string, unknown>): AgentKeyRecord {
  return {
    id: String(item.id),
    namespace: String(item.namespace),
    name: String(item.name),
    hash: String(item.hash),
    createdAt: String(item.createdAt),
  };
}
