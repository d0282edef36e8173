/**
 * Meters the write capacity that a DynamoDB client's writes would consume in DynamoDB, by the documented
 * rules, against any server (dynalite here, which reports no capacity itself):
 * - the table item: the larger of its old and new sizes, rounded up to 1 KB;
 * - each global secondary index, by its projection: an entry that appears is a put, one that disappears a
 *   delete, a changed index key a delete plus a put, a changed projection an update by the larger size,
 *   and an unchanged projection costs nothing;
 * - a write whose condition fails still costs the item's size (the larger of the stored and the proposed
 *   item for a put), and touches no index.
 * It reads every written key before and after the write with a second client, so it is for a pass that
 * counts, not for one that is timed.
 */
import {
  type AttributeValue,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { type Item, itemBytes, STORAGE_OVERHEAD_BYTES, writeUnits } from './item-size.js';

interface IndexShape {
  readonly name: string;
  readonly keys: readonly string[];
  /** Attributes an entry holds besides the keys; undefined for ALL. */
  readonly projected?: readonly string[];
}

interface TableShape {
  readonly keys: readonly string[];
  readonly indexes: readonly IndexShape[];
}

/** What the metered writes consumed, by where. */
export interface CapacityTally {
  requests: number;
  tableUnits: number;
  indexUnits: number;
  conditionalFailures: number;
  readonly byCommand: Map<string, number>;
}

export function emptyTally(): CapacityTally {
  return { requests: 0, tableUnits: 0, indexUnits: 0, conditionalFailures: 0, byCommand: new Map() };
}

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
]);

async function describeShape(client: DynamoDBClient, tableName: string): Promise<TableShape> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const keys = (Table?.KeySchema ?? []).map((k) => k.AttributeName ?? '');
  const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((index): IndexShape => {
    const indexKeys = (index.KeySchema ?? []).map((k) => k.AttributeName ?? '');
    const type = index.Projection?.ProjectionType ?? 'ALL';
    return {
      name: index.IndexName ?? '',
      keys: indexKeys,
      ...(type === 'ALL'
        ? {}
        : { projected: type === 'KEYS_ONLY' ? [] : (index.Projection?.NonKeyAttributes ?? []) }),
    };
  });
  return { keys, indexes };
}

/** The index entry an item makes, or undefined when it lacks one of the index's keys. */
function indexEntry(item: Item | undefined, table: TableShape, index: IndexShape): Item | undefined {
  if (!item || !index.keys.every((key) => item[key] !== undefined)) return undefined;
  if (index.projected === undefined) return item;
  const names = new Set([...table.keys, ...index.keys, ...index.projected]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => names.has(name)));
}

function sameValues(a: Item, b: Item, names: readonly string[]): boolean {
  return names.every((name) => JSON.stringify(a[name]) === JSON.stringify(b[name]));
}

/** Sorted-key JSON, so that two equal items compare equal whatever their attribute order. */
function canonical(item: Item): string {
  return JSON.stringify(
    Object.keys(item)
      .sort()
      .map((name) => [name, item[name]]),
  );
}

function indexUnits(oldItem: Item | undefined, newItem: Item | undefined, table: TableShape): number {
  let units = 0;
  for (const index of table.indexes) {
    const before = indexEntry(oldItem, table, index);
    const after = indexEntry(newItem, table, index);
    if (!before && !after) continue;
    if (!before && after) units += writeUnits(itemBytes(after));
    else if (before && !after) units += writeUnits(itemBytes(before));
    else if (before && after) {
      if (!sameValues(before, after, index.keys)) {
        units += writeUnits(itemBytes(before)) + writeUnits(itemBytes(after));
      } else if (canonical(before) !== canonical(after)) {
        units += writeUnits(Math.max(itemBytes(before), itemBytes(after)));
      }
    }
  }
  return units;
}

interface WriteTarget {
  readonly key: Item;
  /** The whole new item of a put, for the size of a put that fails its condition. */
  readonly proposed?: Item;
}

function targetsOf(command: string, input: Record<string, unknown>, table: TableShape): WriteTarget[] {
  const keyOf = (item: Item): Item =>
    Object.fromEntries(table.keys.map((k) => [k, item[k] as AttributeValue]));
  if (command === 'PutItemCommand') {
    const item = input.Item as Item;
    return [{ key: keyOf(item), proposed: item }];
  }
  if (command === 'UpdateItemCommand' || command === 'DeleteItemCommand') return [{ key: input.Key as Item }];
  if (command === 'BatchWriteItemCommand') {
    const requests = Object.values(
      input.RequestItems as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>,
    ).flat();
    return requests.map((r) =>
      r.PutRequest
        ? { key: keyOf(r.PutRequest.Item), proposed: r.PutRequest.Item }
        : { key: r.DeleteRequest?.Key ?? {} },
    );
  }
  return [];
}

/**
 * Adds a middleware to `client` that meters each write against `tableName` into `tally`, using `probe`
 * (an unmetered client of the same server) to read items before and after.
 */
export function meterWrites(
  client: DynamoDBClient,
  probe: DynamoDBClient,
  tableName: string,
  tally: () => CapacityTally,
): void {
  let shape: Promise<TableShape> | undefined;
  const read = async (key: Item): Promise<Item | undefined> =>
    (await probe.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      if (!WRITE_COMMANDS.has(command)) return next(args);
      shape ??= describeShape(probe, tableName);
      const table = await shape;
      const targets = targetsOf(command, args.input as Record<string, unknown>, table);
      const before = await Promise.all(targets.map((t) => read(t.key)));
      let failed = false;
      try {
        return await next(args);
      } catch (error) {
        failed = error instanceof Error && error.name === 'ConditionalCheckFailedException';
        throw error;
      } finally {
        const t = tally();
        t.requests += 1;
        t.byCommand.set(command, (t.byCommand.get(command) ?? 0) + 1);
        const after = await Promise.all(targets.map((target) => read(target.key)));
        targets.forEach((target, i) => {
          const oldItem = before[i];
          const newItem = after[i];
          if (failed) {
            t.conditionalFailures += 1;
            t.tableUnits += writeUnits(
              Math.max(oldItem ? itemBytes(oldItem) : 0, target.proposed ? itemBytes(target.proposed) : 0),
            );
            return;
          }
          t.tableUnits += writeUnits(
            Math.max(oldItem ? itemBytes(oldItem) : 0, newItem ? itemBytes(newItem) : 0),
          );
          t.indexUnits += indexUnits(oldItem, newItem, table);
        });
      }
    },
    { step: 'initialize', name: 'benchCapacityMeter' },
  );
}

/** Storage of a whole table as DynamoDB bills it: each item and each index entry, with 100 bytes overhead each. */
export async function tableStorage(
  client: DynamoDBClient,
  tableName: string,
): Promise<{ items: number; tableBytes: number; indexBytes: number; indexEntries: number }> {
  const table = await describeShape(client, tableName);
  let items = 0;
  let tableBytes = 0;
  let indexBytes = 0;
  let indexEntries = 0;
  let start: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    for (const item of page.Items ?? []) {
      items += 1;
      tableBytes += itemBytes(item) + STORAGE_OVERHEAD_BYTES;
      for (const index of table.indexes) {
        const entry = indexEntry(item, table, index);
        if (!entry) continue;
        indexEntries += 1;
        indexBytes += itemBytes(entry) + STORAGE_OVERHEAD_BYTES;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { items, tableBytes, indexBytes, indexEntries };
}
