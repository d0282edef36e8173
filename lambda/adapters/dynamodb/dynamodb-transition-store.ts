import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type TaskTransition, toEpochMs } from '../../core/model.js';
import type { RecordedTask, TransitionStore } from '../../use-cases/ports.js';
import {
  expiresAtSeconds,
  ITEM_TYPE_ATTRIBUTE,
  type Item,
  type ItemType,
  isConditionalCheckFailed,
  toItem,
} from './items.js';
import {
  CLUSTERS_PK,
  clusterDayPk,
  failedMonthPk,
  GSI_BY_CLUSTER_TIME,
  GSI_FAILED_BY_CLUSTER,
  SUMMARY_SK,
  TABLE_KEY,
  TTL_ATTRIBUTE,
  taskPk,
  timeTaskSk,
  transitionSk,
} from './keys.js';
import type { DynamoDbTableOptions } from './table-options.js';

/** The time that places a task on the cluster's timeline: createdAt, or the event time when ECS left it out. */
export function listingTime(task: TaskTransition): string {
  return task.createdAt ?? task.eventTime;
}

/** The time that places a failed task in the failed-task listing: when it stopped, as precisely as known. */
export function failedListingTime(task: TaskTransition): string {
  return task.stoppedAt ?? task.executionStoppedAt ?? task.stoppingAt ?? task.eventTime;
}

/**
 * Writes task transitions and summaries to the tracer table. Both writes are conditional puts, so
 * duplicates and out-of-order deliveries leave the table exactly as one in-order delivery would:
 * a transition is written once per version, and the summary only ever moves to a higher version.
 */
export class DynamoDbTransitionStore implements TransitionStore {
  constructor(private readonly options: DynamoDbTableOptions) {}

  async putTransition(transition: TaskTransition): Promise<'stored' | 'duplicate'> {
    const item = toItem({
      [TABLE_KEY.partitionKey]: taskPk(transition.clusterName, transition.taskId),
      [TABLE_KEY.sortKey]: transitionSk(transition.version),
      [ITEM_TYPE_ATTRIBUTE]: 'transition' satisfies ItemType,
      ...transition,
      [TTL_ATTRIBUTE]: this.expiresAt(transition.eventTime),
    });
    return (await this.putIfAbsentOr(item)) ? 'stored' : 'duplicate';
  }

  async advanceSummary(task: RecordedTask): Promise<'advanced' | 'stale'> {
    const { summary, failure } = task;
    const listedAt = listingTime(summary);
    const failedAt = failure?.failed ? failedListingTime(summary) : undefined;
    const item = toItem({
      [TABLE_KEY.partitionKey]: taskPk(summary.clusterName, summary.taskId),
      [TABLE_KEY.sortKey]: SUMMARY_SK,
      [ITEM_TYPE_ATTRIBUTE]: 'summary' satisfies ItemType,
      ...summary,
      failure,
      [GSI_BY_CLUSTER_TIME.partitionKey]: clusterDayPk(summary.clusterName, listedAt),
      [GSI_BY_CLUSTER_TIME.sortKey]: timeTaskSk(listedAt, summary.taskId),
      // gsi2 is sparse: only failed tasks carry its keys, so the failed listing reads nothing else.
      ...(failedAt === undefined
        ? {}
        : {
            [GSI_FAILED_BY_CLUSTER.partitionKey]: failedMonthPk(summary.clusterName, failedAt),
            [GSI_FAILED_BY_CLUSTER.sortKey]: timeTaskSk(failedAt, summary.taskId),
          }),
      [TTL_ATTRIBUTE]: this.expiresAt(summary.eventTime),
    });
    const advanced = await this.putIfAbsentOr(item, {
      condition: '#version < :version',
      names: { '#version': 'version' },
      values: { ':version': { N: String(summary.version) } },
    });
    return advanced ? 'advanced' : 'stale';
  }

  async registerCluster(clusterName: string, seenAt: string): Promise<void> {
    const item = toItem({
      [TABLE_KEY.partitionKey]: CLUSTERS_PK,
      [TABLE_KEY.sortKey]: clusterName,
      [ITEM_TYPE_ATTRIBUTE]: 'cluster' satisfies ItemType,
      clusterName,
      lastSeenAt: seenAt,
      [TTL_ATTRIBUTE]: this.expiresAt(seenAt),
    });
    // lastSeenAt only moves forward, so a late event from an earlier day cannot pull it back.
    await this.putIfAbsentOr(item, {
      condition: '#lastSeenAt < :seenAt',
      names: { '#lastSeenAt': 'lastSeenAt' },
      values: { ':seenAt': { S: seenAt } },
    });
  }

  private expiresAt(iso: string): number {
    return expiresAtSeconds(toEpochMs(iso), this.options.retentionDays);
  }

  /** Puts the item when no item has its key, or when `replace` holds for the stored one. False when neither. */
  private async putIfAbsentOr(
    item: Item,
    replace?: {
      readonly condition: string;
      readonly names: Record<string, string>;
      readonly values: Item;
    },
  ): Promise<boolean> {
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: item,
          ConditionExpression: replace
            ? `attribute_not_exists(#pk) OR ${replace.condition}`
            : 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE_KEY.partitionKey, ...replace?.names },
          ...(replace ? { ExpressionAttributeValues: replace.values } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
