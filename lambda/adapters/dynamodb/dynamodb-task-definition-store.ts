import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { TaskDefinitionInfo } from '../../core/model.js';
import type { TaskDefinitionStore } from '../../use-cases/ports.js';
import {
  expiresAtSeconds,
  fromItem,
  ITEM_TYPE_ATTRIBUTE,
  type ItemType,
  isConditionalCheckFailed,
  isExpired,
  toItem,
  withoutLayout,
} from './items.js';
import { TABLE_KEY, TASK_DEFINITION_SK, TTL_ATTRIBUTE, taskDefinitionPk } from './keys.js';
import type { DynamoDbTableOptions } from './table-options.js';

/**
 * The recorded copy of task definition revisions: the container log configuration that a trace needs
 * after ECS has deregistered or deleted the revision. A put counts as seeing the revision, so an item
 * lives `retentionDays` after the recorder last wrote it.
 */
export class DynamoDbTaskDefinitionStore implements TaskDefinitionStore {
  constructor(private readonly options: DynamoDbTableOptions) {}

  async getTaskDefinition(taskDefinitionArn: string): Promise<TaskDefinitionInfo | undefined> {
    const result = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: {
          [TABLE_KEY.partitionKey]: { S: taskDefinitionPk(taskDefinitionArn) },
          [TABLE_KEY.sortKey]: { S: TASK_DEFINITION_SK },
        },
      }),
    );
    if (!result.Item) return undefined;
    const record = fromItem(result.Item);
    if (isExpired(record, this.options.clock.nowMs())) return undefined;
    // The item was written from a TaskDefinitionInfo by putTaskDefinition.
    return withoutLayout(record) as unknown as TaskDefinitionInfo;
  }

  async putTaskDefinition(info: TaskDefinitionInfo): Promise<void> {
    const item = toItem({
      [TABLE_KEY.partitionKey]: taskDefinitionPk(info.taskDefinitionArn),
      [TABLE_KEY.sortKey]: TASK_DEFINITION_SK,
      [ITEM_TYPE_ATTRIBUTE]: 'task-definition' satisfies ItemType,
      ...info,
      [TTL_ATTRIBUTE]: expiresAtSeconds(this.options.clock.nowMs(), this.options.retentionDays),
    });
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: item,
          // A described revision is never replaced by `unavailable`: once ECS deletes the revision, the
          // stored description is the only one left.
          ...(info.status === 'unavailable'
            ? {
                ConditionExpression: 'attribute_not_exists(#pk) OR #status <> :described',
                ExpressionAttributeNames: { '#pk': TABLE_KEY.partitionKey, '#status': 'status' },
                ExpressionAttributeValues: { ':described': { S: 'described' } },
              }
            : {}),
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
