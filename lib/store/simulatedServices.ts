import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SimulatedService } from '../simulatedService';
import { keys } from './keys';

/**
 * The state of services run by the sim provider. Writes are plain puts: the
 * evaluator's lease already keeps two scalings of one service apart.
 */
export class SimulatedServiceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Strongly consistent, so a scaling is visible to the next read at once. */
  async get(namespace: string, service: string): Promise<SimulatedService | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.simulatedService(namespace, service), ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const readyAt = out.Item.readyAt as number[];
    return { replicas: readyAt.map((at) => ({ readyAt: at })) };
  }

  async put(namespace: string, service: string, simulated: SimulatedService): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        // One number per replica keeps the item small: 10,000 replicas stay far below DynamoDB's 400 KB.
        Item: { ...keys.simulatedService(namespace, service), readyAt: simulated.replicas.map((r) => r.readyAt) },
      }),
    );
  }

  async delete(namespace: string, service: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.simulatedService(namespace, service) }));
  }
}
