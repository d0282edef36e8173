/**
 * Local mode's data folder from before the task-item layout: its table (`tracer`) has the earlier indexes,
 * so local mode now keeps its history in another table and, at start, moves what the earlier one holds into
 * it with the same migration as `tracer migrate --from-table`, then deletes the earlier table. A start that
 * is interrupted moves it again on the next start: the migration is idempotent.
 */
import { DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbTransitionStore } from '../adapters/dynamodb/dynamodb-transition-store.js';
import { type MigrationCounts, migrateLegacyItems } from '../adapters/dynamodb/legacy-migration.js';
import type { DynamoDbTableOptions } from '../adapters/dynamodb/table-options.js';

/** The name of local mode's table before the task-item layout. */
export const EARLIER_LOCAL_TABLE_NAME = 'tracer';

/**
 * Moves the earlier table's history into `table` and deletes it; undefined when there is none.
 * @example const moved = await moveEarlierLocalTable(tableOptions);
 */
export async function moveEarlierLocalTable(
  table: DynamoDbTableOptions,
): Promise<MigrationCounts | undefined> {
  try {
    await table.client.send(new DescribeTableCommand({ TableName: EARLIER_LOCAL_TABLE_NAME }));
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
  const counts = await migrateLegacyItems({
    table,
    store: new DynamoDbTransitionStore(table),
    fromTableName: EARLIER_LOCAL_TABLE_NAME,
  });
  await table.client.send(new DeleteTableCommand({ TableName: EARLIER_LOCAL_TABLE_NAME }));
  return counts;
}
