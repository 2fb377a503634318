import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { awsTimeouts } from '../awsTimeouts';
import type { TideConfig } from '../config';

/**
 * Every stored number reads back as a JavaScript number, to the nearest one.
 * The document client's default refuses a number it cannot hold exactly (an
 * aggregate's sum past 2^53 with a fraction), which would fail every read of
 * that item; nothing Tide stores needs more than a double's precision.
 */
const toNumber = (value: string) => Number(value);

/** An item in DynamoDB's wire format (as a failed condition returns it), read as the document client reads items. */
export function unmarshallItem(item: Parameters<typeof unmarshall>[0]): Record<string, unknown> {
  return unmarshall(item, { wrapNumbers: toNumber });
}

/** Builds the document client, with Tide's timeouts; against DynamoDB Local it uses fixed dummy credentials. */
export function createDocumentClient(config: Pick<TideConfig, 'endpoints' | 'region'>): DynamoDBDocumentClient {
  const endpoint = config.endpoints.dynamodb;
  const local = endpoint ? { endpoint, region: config.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
  const client = new DynamoDBClient({ ...local, ...awsTimeouts() });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true }, unmarshallOptions: { wrapNumbers: toNumber } });
}
