/**
 * The cold-start floor for `npm run bench:coldstart`: a bundle holding only
 * DynamoDB's document client, which every function needs. No function can
 * load in less; the bench compares each function's module load with this one.
 */
export { DynamoDBClient } from '@aws-sdk/client-dynamodb';
export { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
