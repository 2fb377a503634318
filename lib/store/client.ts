import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsTimeouts } from '../awsTimeouts';
import type { TideConfig } from '../config';

/** Builds the document client, with Tide's timeouts; against DynamoDB Local it uses fixed dummy credentials. */
export function createDocumentClient(config: Pick<TideConfig, 'dynamodbEndpoint'>): DynamoDBDocumentClient {
  const local = config.dynamodbEndpoint
    ? {
        endpoint: config.dynamodbEndpoint,
        region: process.env.AWS_REGION ?? 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }
    : {};
  const client = new DynamoDBClient({ ...local, ...awsTimeouts() });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
