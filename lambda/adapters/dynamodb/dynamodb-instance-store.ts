import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type ClusterId, type HomeScope, isHomeCluster } from '../../core/cluster-id.js';
import type { ContainerInstanceChange, Ec2InstanceNotice, InstanceActivity } from '../../core/instance.js';
import type { InstanceEventStore, InstanceHistory } from '../../use-cases/ports.js';
import {
  expiresAtSeconds,
  fromItem,
  ITEM_TYPE_ATTRIBUTE,
  type ItemType,
  isConditionalCheckFailed,
  isExpired,
  queryLiveRange,
  toItem,
} from './items.js';
import {
  containerInstancePk,
  EC2_MAPPING_SK,
  ec2InstancePk,
  hostBucketSk,
  INSTANCE_BUCKET_HOURS,
  TABLE_KEY,
  TTL_ATTRIBUTE,
  UNSCOPED_LAYOUT,
} from './keys.js';
import type { DynamoDbTableOptions } from './table-options.js';

const BUCKET_MS = INSTANCE_BUCKET_HOURS * 3_600_000;
const CHANGE_PREFIX = /^[ve]/;

/** The attribute that holds one event: the version orders and identifies an event; without it, its id. */
function changeAttribute(change: ContainerInstanceChange): string {
  return change.version === undefined ? `e${change.eventId}` : `v${change.version}`;
}

/**
 * The host's events in the tracer table (key schema in keys.ts): per container instance, six-hour
 * buckets whose attributes are the events, written with `if_not_exists`, and an `expiresAt` that depends
 * only on the bucket. So a duplicate or a late event leaves the item as one in-order delivery would.
 */
export class DynamoDbInstanceStore implements InstanceEventStore, InstanceHistory {
  constructor(private readonly options: DynamoDbTableOptions) {}

  async recordContainerInstanceChange(cluster: ClusterId, change: ContainerInstanceChange): Promise<void> {
    const { version: _version, clusterName: _cluster, containerInstanceId: _id, ...rest } = change;
    await this.addToBucket(
      containerInstancePk(cluster, change.containerInstanceId),
      Date.parse(change.time),
      changeAttribute(change),
      { ...rest, ...(change.version === undefined ? {} : { version: change.version }) },
      'instance-events',
    );
  }

  async recordEc2InstanceNotice(scope: HomeScope, notice: Ec2InstanceNotice): Promise<void> {
    await this.addToBucket(
      ec2InstancePk(scope, notice.ec2InstanceId),
      Date.parse(notice.time),
      `e${notice.eventId}`,
      notice,
      'ec2-notices',
    );
  }

  async recordEc2Mapping(
    cluster: ClusterId,
    change: ContainerInstanceChange & { readonly ec2InstanceId: string },
  ): Promise<void> {
    const expiresAt = expiresAtSeconds(Date.parse(change.time), this.options.retentionDays);
    try {
      // A container instance keeps its EC2 instance for life; the TTL only moves forward.
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: toItem({
            [TABLE_KEY.partitionKey]: containerInstancePk(cluster, change.containerInstanceId),
            [TABLE_KEY.sortKey]: EC2_MAPPING_SK,
          }),
          UpdateExpression: 'SET #ec2 = :ec2, #type = :type, #exp = :exp',
          ConditionExpression: 'attribute_not_exists(#exp) OR #exp < :exp',
          ExpressionAttributeNames: {
            '#ec2': 'ec2InstanceId',
            '#type': ITEM_TYPE_ATTRIBUTE,
            '#exp': TTL_ATTRIBUTE,
          },
          ExpressionAttributeValues: toItem({
            ':ec2': change.ec2InstanceId,
            ':type': 'instance-ec2' satisfies ItemType,
            ':exp': expiresAt,
          }),
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * For the home cluster, also the partitions of the unscoped layout (keys.ts), so that what was recorded
   * before keys carried the account and region still reaches traces until `tracer migrate` re-keys it.
   */
  async listInstanceActivity(
    cluster: ClusterId,
    containerInstanceId: string,
    fromMs: number,
    toMs: number,
  ): Promise<InstanceActivity | undefined> {
    const home = isHomeCluster(cluster, this.options.home);
    const pks = [containerInstancePk(cluster, containerInstanceId)];
    if (home) pks.push(UNSCOPED_LAYOUT.containerInstancePk(cluster.name, containerInstanceId));
    const [buckets, mappings] = await Promise.all([
      Promise.all(pks.map((pk) => this.queryBuckets(pk, fromMs, toMs))),
      Promise.all(
        pks.map((pk) =>
          this.options.client.send(
            new GetItemCommand({
              TableName: this.options.tableName,
              Key: toItem({ [TABLE_KEY.partitionKey]: pk, [TABLE_KEY.sortKey]: EC2_MAPPING_SK }),
            }),
          ),
        ),
      ),
    ]);
    const changes = buckets.flat().map(
      (value) =>
        ({
          ...value,
          clusterName: cluster.name,
          containerInstanceId,
        }) as unknown as ContainerInstanceChange,
    );
    const ec2Ids = new Set<string>();
    for (const mapping of mappings) {
      const mapped = mapping.Item ? fromItem(mapping.Item) : undefined;
      if (
        mapped &&
        !isExpired(mapped, this.options.clock.nowMs()) &&
        typeof mapped.ec2InstanceId === 'string'
      ) {
        ec2Ids.add(mapped.ec2InstanceId);
      }
    }
    for (const change of changes) if (change.ec2InstanceId) ec2Ids.add(change.ec2InstanceId);
    if (changes.length === 0 && ec2Ids.size === 0) return undefined;
    const noticePks = [...ec2Ids].flatMap((id) =>
      home ? [ec2InstancePk(cluster, id), UNSCOPED_LAYOUT.ec2InstancePk(id)] : [ec2InstancePk(cluster, id)],
    );
    const notices = (
      await Promise.all(noticePks.map((pk) => this.queryBuckets(pk, fromMs, toMs)))
    ).flat() as unknown as Ec2InstanceNotice[];
    return { changes, notices };
  }

  private async addToBucket(
    pk: string,
    atMs: number,
    attribute: string,
    value: object,
    itemType: ItemType,
  ): Promise<void> {
    const bucketStartMs = Math.floor(atMs / BUCKET_MS) * BUCKET_MS;
    await this.options.client.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: toItem({ [TABLE_KEY.partitionKey]: pk, [TABLE_KEY.sortKey]: hostBucketSk(atMs) }),
        UpdateExpression: 'SET #event = if_not_exists(#event, :event), #type = :type, #exp = :exp',
        ExpressionAttributeNames: {
          '#event': attribute,
          '#type': ITEM_TYPE_ATTRIBUTE,
          '#exp': TTL_ATTRIBUTE,
        },
        ExpressionAttributeValues: toItem({
          ':event': value,
          ':type': itemType,
          ':exp': expiresAtSeconds(bucketStartMs + BUCKET_MS, this.options.retentionDays),
        }),
      }),
    );
  }

  /** The events stored in the buckets that overlap the span, each as the record it was written from. */
  private async queryBuckets(pk: string, fromMs: number, toMs: number): Promise<Record<string, unknown>[]> {
    if (fromMs > toMs) return [];
    const items = await queryLiveRange(
      { ...this.options, nowMs: this.options.clock.nowMs() },
      pk,
      hostBucketSk(fromMs),
      hostBucketSk(toMs),
    );
    const values: Record<string, unknown>[] = [];
    for (const item of items) {
      for (const [name, value] of Object.entries(fromItem(item))) {
        if (CHANGE_PREFIX.test(name) && typeof value === 'object' && value !== null) {
          values.push(value as Record<string, unknown>);
        }
      }
    }
    return values;
  }
}
