import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DYNAMODB_RETRY_AFTER_SECONDS,
  isDynamoDbThrottling,
  toDomainError,
  unprocessedItemsError,
  withDomainErrors,
} from '../../lambda/adapters/dynamodb/dynamodb-errors.js';
import { DynamoDbTaskHistory } from '../../lambda/adapters/dynamodb/dynamodb-task-history.js';
import { createLogger } from '../../lambda/config/logger.js';
import { ThrottledError } from '../../lambda/core/errors.js';
import { makeApiHandler } from '../../lambda/handlers/api.js';
import { sendProxyResult, toApiGatewayEvent } from '../../lambda/local/local-http.js';
import {
  fixedClock,
  InMemoryLogSource,
  InMemoryServiceEventStore,
  InMemoryTaskDefinitionStore,
} from '../fakes/trace-ports.js';
import { testCursorSeal } from '../support/cursor-seal.js';

const named = (name: string, message = 'boom') => Object.assign(new Error(message), { name });

/** A loopback DynamoDB endpoint that answers every request with one error, counting the requests. */
class FailingDynamoDb {
  requests = 0;
  errorType = 'ProvisionedThroughputExceededException';

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<FailingDynamoDb> {
    let fake: FailingDynamoDb | undefined;
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        if (!fake) return;
        fake.requests += 1;
        const body = JSON.stringify({
          __type: `com.amazonaws.dynamodb.v20120810#${fake.errorType}`,
          message: 'The level of configured provisioned throughput for the table was exceeded.',
        });
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FailingDynamoDb(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fake;
  }

  client(): DynamoDBClient {
    return new DynamoDBClient({
      endpoint: this.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 2,
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let dynamodb: FailingDynamoDb;

beforeAll(async () => {
  dynamodb = await FailingDynamoDb.start();
});

afterAll(async () => {
  await dynamodb.stop();
});

beforeEach(() => {
  dynamodb.requests = 0;
  dynamodb.errorType = 'ProvisionedThroughputExceededException';
});

describe('DynamoDB errors', () => {
  it.each(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded'])(
    'turns %s into ThrottledError with a Retry-After and the cause',
    (name) => {
      const cause = named(name);
      const error = toDomainError(cause, 'Query');
      expect(error).toBeInstanceOf(ThrottledError);
      expect((error as ThrottledError).retryAfterSeconds).toBe(DYNAMODB_RETRY_AFTER_SECONDS);
      expect((error as ThrottledError).cause).toBe(cause);
      expect((error as ThrottledError).message).toBe(
        "DynamoDB kept throttling tracer's Query after retrying; try again in a few seconds",
      );
    },
  );

  it('recognises throttling the SDK marks as such, whatever its name', () => {
    expect(isDynamoDbThrottling(Object.assign(named('Whatever'), { $retryable: { throttling: true } }))).toBe(
      true,
    );
  });

  it.each([named('ConditionalCheckFailedException'), named('ResourceNotFoundException'), 'not an error'])(
    'passes anything else through unchanged (%#)',
    (error) => {
      expect(toDomainError(error)).toBe(error);
    },
  );

  it('names the unprocessed items of a batch that stayed throttled', () => {
    const error = unprocessedItemsError(3, 25, 8);
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error.message).toBe('DynamoDB left 3 of 25 items unprocessed after 8 attempts');
    expect(error.retryAfterSeconds).toBe(DYNAMODB_RETRY_AFTER_SECONDS);
  });
});

describe('withDomainErrors', () => {
  it('fails with ThrottledError only after the SDK has retried', async () => {
    const client = withDomainErrors(dynamodb.client());

    const error = await client
      .send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as Error).message).toContain('GetItem');
    expect(((error as Error).cause as Error).name).toBe('ProvisionedThroughputExceededException');
    expect(dynamodb.requests).toBe(2);
    client.destroy();
  });

  it('leaves other exceptions for the adapters to read, and is added once however often it is asked', async () => {
    dynamodb.errorType = 'ConditionalCheckFailedException';
    const client = withDomainErrors(withDomainErrors(dynamodb.client()));

    const error = await client
      .send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }))
      .catch((e: unknown) => e);

    expect((error as Error).name).toBe('ConditionalCheckFailedException');
    expect(dynamodb.requests).toBe(1);
    client.destroy();
  });
});

describe('the API when DynamoDB keeps throttling', () => {
  function throttledApi() {
    const client = withDomainErrors(dynamodb.client());
    const clock = fixedClock(Date.parse('2024-05-01T12:00:00Z'));
    const handler = makeApiHandler({
      cursorSeal: testCursorSeal,
      history: new DynamoDbTaskHistory({ client, tableName: 't', retentionDays: 90, clock }),
      taskDefinitions: new InMemoryTaskDefinitionStore(),
      serviceEvents: new InMemoryServiceEventStore(),
      logs: new InMemoryLogSource(),
      clock,
      retentionDays: 90,
      home: { account: '123456789012', region: 'ap-northeast-1' },
      logger: createLogger({}, { write: () => {} }),
    });
    return { client, handler };
  }

  it('answers 503 Throttled with Retry-After in whole seconds, not 500', async () => {
    const { client, handler } = throttledApi();

    const response = await handler({ httpMethod: 'GET', path: '/clusters/default/tasks/abc123/trace' });

    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe(String(DYNAMODB_RETRY_AFTER_SECONDS));
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'Throttled',
        // The first call is the Query that finds which recorded cluster the name means.
        message: "DynamoDB kept throttling tracer's Query after retrying; try again in a few seconds",
      },
    });
    client.destroy();
  });

  it('answers the same over local mode’s HTTP, which runs the same handler', async () => {
    // Prepare: the local server's plumbing around the same handler.
    const { client, handler } = throttledApi();
    const server = createServer((request, response) => {
      void handler(toApiGatewayEvent(request, new URL(request.url ?? '/', 'http://127.0.0.1'))).then(
        (result) => sendProxyResult(response, result),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    // Act
    const response = await fetch(`http://127.0.0.1:${port}/clusters`);

    // Assess
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe(String(DYNAMODB_RETRY_AFTER_SECONDS));
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('Throttled');
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    client.destroy();
  });
});
