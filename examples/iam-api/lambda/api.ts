import type { APIGatewayProxyResult } from 'aws-lambda';

// Backend of the IAM-authorized API.
export const handler = async (): Promise<APIGatewayProxyResult> => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ hello: 'world' }),
});
