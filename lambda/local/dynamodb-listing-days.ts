/** Reads, once at start, the days on which the local table's tasks are listed. */
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  GSI_BY_CLUSTER_TIME,
  GSI_FAILED_BY_CLUSTER,
  SUMMARY_SK,
  TABLE_KEY,
} from '../adapters/dynamodb/keys.js';
import { ListingDays } from './local-task-history.js';

/**
 * Scans the task summaries of the table for their listing keys (`<time>#<taskId>`), whose first ten
 * characters are the day. Local tables are small, and this runs once per start.
 * @example const days = await loadListingDays(client, 'tracer');
 */
export async function loadListingDays(client: DynamoDBClient, tableName: string): Promise<ListingDays> {
  const days = new ListingDays();
  let exclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#sk = :summary',
        ProjectionExpression: '#cluster, #created, #failed',
        ExpressionAttributeNames: {
          '#sk': TABLE_KEY.sortKey,
          '#cluster': 'clusterName',
          '#created': GSI_BY_CLUSTER_TIME.sortKey,
          '#failed': GSI_FAILED_BY_CLUSTER.sortKey,
        },
        ExpressionAttributeValues: { ':summary': { S: SUMMARY_SK } },
        ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const clusterName = item.clusterName?.S;
      if (!clusterName) continue;
      const created = item[GSI_BY_CLUSTER_TIME.sortKey]?.S;
      const failed = item[GSI_FAILED_BY_CLUSTER.sortKey]?.S;
      if (created) days.addCreated(clusterName, created);
      if (failed) days.addFailed(clusterName, failed);
    }
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey);
  return days;
}
