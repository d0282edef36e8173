import {
  type AttributeValue,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type ClusterId, isHomeCluster } from '../../core/cluster-id.js';
import type { LedgerClaim, NotificationLedger } from '../../use-cases/ports.js';
import { expiresAtSeconds, ITEM_TYPE_ATTRIBUTE, isConditionalCheckFailed } from './items.js';
import {
  LEGACY_NOTIFY_PK,
  NOTIFY_SK,
  notificationPk,
  TABLE_KEY,
  TTL_ATTRIBUTE,
  UNSCOPED_LAYOUT,
} from './keys.js';
import type { DynamoDbTableOptions } from './table-options.js';

const STATE = 'state';
const LEASE_UNTIL = 'leaseUntil';
const CLAIMED = 'claimed';
const SENT = 'sent';

/**
 * The notification ledger: one item per task (`N#<account>:<region>:<cluster>#<taskId>` / `NOTIFY`), in
 * partitions of its own so that the notifier's IAM grant can confine its writes to them; it expires with the
 * task's records. A claim is a conditional put that succeeds when no attempt claimed the task or the last
 * claim's lease ran out; once marked sent, no claim succeeds again. For a task of the home cluster, ledger
 * items of the earlier layouts (`N#<cluster>#<taskId>` and `T#<cluster>#<taskId>`, with sort key `NOTIFY`)
 * are read before a claim and count as this ledger's own.
 */
export class DynamoDbNotificationLedger implements NotificationLedger {
  constructor(private readonly options: DynamoDbTableOptions) {}

  async claim(cluster: ClusterId, taskId: string, nowMs: number, leaseMs: number): Promise<boolean> {
    return (await this.claimNotification(cluster, taskId, nowMs, leaseMs)).outcome === 'claimed';
  }

  async claimNotification(
    cluster: ClusterId,
    taskId: string,
    nowMs: number,
    leaseMs: number,
  ): Promise<LedgerClaim> {
    const earlier = await this.readEarlier(cluster, taskId);
    if (earlier !== undefined) {
      const outcome = this.outcomeOf(earlier);
      if (outcome.outcome === 'sent' || (outcome.outcome === 'held' && outcome.leaseUntilMs >= nowMs)) {
        return outcome;
      }
    }
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            ...this.key(cluster, taskId),
            [ITEM_TYPE_ATTRIBUTE]: { S: 'notification' },
            clusterName: { S: cluster.name },
            account: { S: cluster.account },
            region: { S: cluster.region },
            taskId: { S: taskId },
            [STATE]: { S: CLAIMED },
            claimedAt: { S: new Date(nowMs).toISOString() },
            [LEASE_UNTIL]: { N: String(nowMs + leaseMs) },
            [TTL_ATTRIBUTE]: { N: String(expiresAtSeconds(nowMs, this.options.retentionDays)) },
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR (#state = :claimed AND #leaseUntil < :now)',
          ExpressionAttributeNames: {
            '#pk': TABLE_KEY.partitionKey,
            '#state': STATE,
            '#leaseUntil': LEASE_UNTIL,
          },
          ExpressionAttributeValues: { ':claimed': { S: CLAIMED }, ':now': { N: String(nowMs) } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'claimed' };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current =
        error instanceof ConditionalCheckFailedException && error.Item
          ? error.Item
          : await this.read(cluster, taskId);
      return this.outcomeOf(current);
    }
  }

  async markSent(cluster: ClusterId, taskId: string, nowMs: number): Promise<void> {
    await this.options.client.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: this.key(cluster, taskId),
        UpdateExpression: 'SET #state = :sent, #sentAt = :sentAt, #expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#state': STATE, '#sentAt': 'sentAt', '#expiresAt': TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':sent': { S: SENT },
          ':sentAt': { S: new Date(nowMs).toISOString() },
          ':expiresAt': { N: String(expiresAtSeconds(nowMs, this.options.retentionDays)) },
        },
      }),
    );
  }

  private key(cluster: ClusterId, taskId: string): Record<string, AttributeValue> {
    return {
      [TABLE_KEY.partitionKey]: { S: notificationPk(cluster, taskId) },
      [TABLE_KEY.sortKey]: { S: NOTIFY_SK },
    };
  }

  /**
   * The ledger item an earlier version wrote for the task, if any: next to the task, or in a partition
   * named without the account and region. A task notified just before an upgrade may be delivered again
   * after it (a retry, a redrive from the dead-letter queue): this read keeps it from being notified
   * twice. Only the home cluster's tasks have such items; they expire with the retention.
   */
  private async readEarlier(
    cluster: ClusterId,
    taskId: string,
  ): Promise<Record<string, AttributeValue> | undefined> {
    if (!isHomeCluster(cluster, this.options.home)) return undefined;
    let found: Record<string, AttributeValue> | undefined;
    for (const pk of [
      UNSCOPED_LAYOUT.notificationPk(cluster.name, taskId),
      LEGACY_NOTIFY_PK(cluster.name, taskId),
    ]) {
      const result = await this.options.client.send(
        new GetItemCommand({
          TableName: this.options.tableName,
          Key: { [TABLE_KEY.partitionKey]: { S: pk }, [TABLE_KEY.sortKey]: { S: NOTIFY_SK } },
          ConsistentRead: true,
        }),
      );
      if (result.Item?.[STATE]?.S === SENT) return result.Item;
      found ??= result.Item;
    }
    return found;
  }

  /** The item as it is now; for emulators that do not return it with the failed condition. */
  private async read(
    cluster: ClusterId,
    taskId: string,
  ): Promise<Record<string, AttributeValue> | undefined> {
    const result = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: this.key(cluster, taskId),
        ConsistentRead: true,
      }),
    );
    return result.Item;
  }

  private outcomeOf(item: Record<string, AttributeValue> | undefined): LedgerClaim {
    if (item?.[STATE]?.S === SENT) return { outcome: 'sent' };
    const leaseUntilMs = Number(item?.[LEASE_UNTIL]?.N ?? Number.NaN);
    // The item vanished between the put and the read (a TTL sweep): another attempt will claim it anew.
    return { outcome: 'held', leaseUntilMs: Number.isFinite(leaseUntilMs) ? leaseUntilMs : 0 };
  }
}
