/**
 * The tracer table's definition for servers that tracer creates itself: dynalite in local mode and in
 * tests. In AWS the CDK construct creates the table with the same keys (lib/constructs/tracer-table.ts).
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { LISTING_INDEXES, TABLE_KEY } from './keys.js';

/** How often and how long to wait for a new table to become ACTIVE. */
const ACTIVE_POLL_MS = 10;
const ACTIVE_POLLS = 200;

/**
 * The CreateTable input of the tracer table: on-demand, `pk`/`sk`, and both listing indexes, which
 * project only their keys.
 * @example await client.send(new CreateTableCommand(tracerTableDefinition('tracer')));
 */
export function tracerTableDefinition(tableName: string): CreateTableCommandInput {
  const attributes = [
    TABLE_KEY.partitionKey,
    TABLE_KEY.sortKey,
    ...LISTING_INDEXES.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: TABLE_KEY.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEY.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: LISTING_INDEXES.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    })),
  };
}

/**
 * Creates the tracer table and waits until it and its indexes are ACTIVE.
 * @example await createTracerTable(client, 'tracer');
 */
export async function createTracerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new CreateTableCommand(tracerTableDefinition(tableName)));
  await waitUntilActive(client, tableName);
}

/**
 * Creates the tracer table unless it exists, and waits until it is ACTIVE either way.
 * @example const outcome = await ensureTracerTable(client, 'tracer'); // 'created' on first start
 */
export async function ensureTracerTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<'created' | 'existing'> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceNotFoundException')) throw error;
    try {
      await createTracerTable(client, tableName);
      return 'created';
    } catch (createError) {
      // Another process created it between the two calls: the table is there, which is what we want.
      if (!(createError instanceof Error && createError.name === 'ResourceInUseException')) throw createError;
    }
  }
  await waitUntilActive(client, tableName);
  return 'existing';
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let attempt = 0; attempt < ACTIVE_POLLS; attempt += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await new Promise((resolve) => setTimeout(resolve, ACTIVE_POLL_MS));
  }
  throw new Error(
    `table ${tableName} did not become ACTIVE within ${(ACTIVE_POLL_MS * ACTIVE_POLLS) / 1000} s`,
  );
}
