import { inject } from 'vitest';

// Every test worker talks to the run's DynamoDB Local with a fixed admin token.
process.env.TIDE_DYNAMODB_ENDPOINT = inject('dynamodbEndpoint');
process.env.TIDE_TABLE = 'tide-test';
process.env.TIDE_ADMIN_TOKEN = 'test-admin-token';
process.env.TIDE_ADMIN_TOKEN_SECRET = 'env:TIDE_ADMIN_TOKEN';
// As on the local stack: targets may name env: secrets and reach the fakes on loopback.
process.env.TIDE_LOCAL = 'true';
process.env.AWS_REGION = 'us-east-1';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.TIDE_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
