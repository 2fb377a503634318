import type { TestProject } from 'vitest/node';
import { ensureTable, startDynamoDbLocal } from '../../scripts/local/dynamodb';

export const TEST_TABLE = 'tide-test';

/** One in-memory DynamoDB Local for the whole run, on a free port; tests isolate themselves by namespace. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dynamodb = await startDynamoDbLocal();
  await ensureTable(dynamodb.endpoint, TEST_TABLE);
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  return () => dynamodb.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}
