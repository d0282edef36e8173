/**
 * An in-process DynamoDB API server (dynalite) on loopback, with the tracer table created from the key
 * schema in lambda/adapters/dynamodb/keys.ts. Tests, local mode and benchmarks use it through the real
 * SDK client.
 *
 * dynalite has no TTL sweeper (and no UpdateTimeToLive), no transactions and no streams; reads that skip
 * expired items are what tests exercise.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { TABLE_KEY } from '../../lambda/adapters/dynamodb/keys.js';
import { createTracerTable } from '../../lambda/adapters/dynamodb/tracer-table.js';

interface DynaliteOptions {
  readonly createTableMs?: number;
  readonly deleteTableMs?: number;
  readonly updateTableMs?: number;
  readonly maxItemSizeKb?: number;
  readonly path?: string;
}

type DynaliteFactory = (options: DynaliteOptions) => Server;

// dynalite is CommonJS without type declarations.
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

export interface DynaliteHandle {
  /** An SDK client for the server, with dummy credentials; its region is us-east-1. */
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL_DYNAMODB or another client. */
  readonly endpoint: string;
  /** Closes the client and the server. */
  stop(): Promise<void>;
}

export interface StartDynaliteOptions {
  /** @default 'tracer' */
  readonly tableName?: string;
  /** Creates the tracer table. @default true */
  readonly createTable?: boolean;
  /** A LevelDB directory to keep data between runs. @default in memory */
  readonly path?: string;
}

/**
 * Starts dynalite on 127.0.0.1 with a random port and creates the tracer table in it.
 * @example const db = await startDynalite(); try { ... } finally { await db.stop(); }
 */
export async function startDynalite(options: StartDynaliteOptions = {}): Promise<DynaliteHandle> {
  const tableName = options.tableName ?? 'tracer';
  // Zero delays: tables become ACTIVE at once instead of after dynalite's default 500 ms.
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
  });
  const stop = async () => {
    client.destroy();
    // Keep-alive sockets would hold close() open; nothing is in flight once the tests are done.
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  };
  try {
    if (options.createTable ?? true) await createTracerTable(client, tableName);
  } catch (error) {
    await stop();
    throw error;
  }
  return { client, tableName, endpoint, stop };
}

/**
 * Creates the tracer table (on-demand, `pk`/`sk`, both GSIs with ALL projection) and waits until it and
 * its indexes are ACTIVE. The definition lives with the DynamoDB adapters, which local mode shares.
 */
export { createTracerTable };

/** Every item of the table, in a stable order (by pk, then sk), for comparing whole-table states. */
export async function scanTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let exclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ConsistentRead: true,
        ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey);
  const keyOf = (item: Record<string, AttributeValue>) =>
    `${item[TABLE_KEY.partitionKey]?.S ?? ''}\u0000${item[TABLE_KEY.sortKey]?.S ?? ''}`;
  return items.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}
