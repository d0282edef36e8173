import {
  type AttributeValue,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { BoundedMap } from '../../core/bounded-map.js';
import { type ClusterId, clusterArn, clusterIdOfTask } from '../../core/cluster-id.js';
import { TracerError } from '../../core/errors.js';
import { type TaskTransition, toEpochMs } from '../../core/model.js';
import type { RecordedTask, RecordOutcome, TransitionStore } from '../../use-cases/ports.js';
import { ACTIVE_DAYS_ATTRIBUTE, daysFromTo, oldestListedDay, prunableDays, utcDay } from './active-days.js';
import {
  expiresAtSeconds,
  ITEM_TYPE_ATTRIBUTE,
  type Item,
  type ItemType,
  isConditionalCheckFailed,
} from './items.js';
import {
  CLUSTERS_PK,
  clusterDayPk,
  clusterSk,
  failedMonthPk,
  GSI_FAILED_BY_MONTH,
  GSI_TASKS_BY_DAY,
  listingSk,
  TABLE_KEY,
  TASK_SK,
  TTL_ATTRIBUTE,
  taskPk,
} from './keys.js';
import type { DynamoDbTableOptions } from './table-options.js';
import { conflictingConstants, encodeTransition, sameValue, storedVersions } from './task-item.js';

const MS_PER_DAY = 86_400_000;
/**
 * Rounds of a cluster registration. Each round but the last ends because the item changed between two
 * conditional writes (created, upgraded, or deleted by TTL), so three rounds are plenty.
 */
const MAX_REGISTRATION_ROUNDS = 3;

function activeDaysOf(attributes: Item): string[] {
  return attributes[ACTIVE_DAYS_ATTRIBUTE]?.SS ?? [];
}

/** The time that places a task on the cluster's timeline: createdAt, or the event time when ECS left it out. */
export function listingTime(task: TaskTransition): string {
  return task.createdAt ?? task.eventTime;
}

/** The time that places a failed task in the failed-task listing: when it stopped, as precisely as known. */
export function failedListingTime(task: TaskTransition): string {
  return task.stoppedAt ?? task.executionStoppedAt ?? task.stoppingAt ?? task.eventTime;
}

/** Tasks whose item attributes a container remembers; a task's events mostly arrive within minutes. */
const MAX_KNOWN_TASKS = 2_000;
const VERSION_ATTRIBUTE = /^v\d+$/;

/** `always` sets the value; `first` sets it only where the item has none (`if_not_exists`). */
type SetMode = 'always' | 'first';

/** Placeholders `#a<i>` and `:a<i>`, made once: an update names a dozen attributes or more per event. */
const NAME_PLACEHOLDERS: string[] = [];
const VALUE_PLACEHOLDERS: string[] = [];
function placeholders(i: number): [string, string] {
  NAME_PLACEHOLDERS[i] ??= `#a${i}`;
  VALUE_PLACEHOLDERS[i] ??= `:a${i}`;
  return [NAME_PLACEHOLDERS[i], VALUE_PLACEHOLDERS[i]];
}

/** The SET actions of one UpdateItem, with placeholders for every name (a path's parts included). */
class ItemUpdate {
  readonly sets: [string, AttributeValue, SetMode][] = [];

  set(path: string, value: AttributeValue, mode: SetMode): void {
    this.sets.push([path, value, mode]);
  }

  isEmpty(): boolean {
    return this.sets.length === 0;
  }

  expression(): Pick<
    UpdateItemCommandInput,
    'UpdateExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
  > {
    const names: Record<string, string> = {};
    const values: Item = {};
    const actions = this.sets.map(([path, value, mode], i) => {
      const [name, placeholder] = placeholders(i);
      let target = name;
      if (path.includes('.')) {
        target = path
          .split('.')
          .map((part, j) => {
            const partName = j === 0 ? name : `${name}_${j}`;
            names[partName] = part;
            return partName;
          })
          .join('.');
      } else {
        names[name] = path;
      }
      values[placeholder] = value;
      return mode === 'always'
        ? `${target} = ${placeholder}`
        : `${target} = if_not_exists(${target}, ${placeholder})`;
    });
    return {
      UpdateExpression: `SET ${actions.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }
}

/**
 * Writes task items and the cluster registry to the tracer table. A transition is one conditional
 * UpdateItem of its task's item (see keys.ts and task-item.ts): it adds the version once, and everything
 * else it sets is either kept for life (`if_not_exists`) or a value every version agrees on, so duplicates
 * and out-of-order deliveries leave the item exactly as one in-order delivery would. The cluster item's
 * lastSeenAt only moves forward while its active days accumulate.
 */
export class DynamoDbTransitionStore implements TransitionStore {
  /**
   * What this container knows each recent task's item to hold (attribute → value), from the items its
   * own writes returned. A later event of the task leaves those attributes out of its update: the item
   * ends the same, and the update is smaller. What the returned item shows missing is written again.
   */
  private readonly known = new BoundedMap<string, Map<string, AttributeValue>>(MAX_KNOWN_TASKS);

  constructor(private readonly options: DynamoDbTableOptions) {}

  async recordTransition(task: RecordedTask): Promise<RecordOutcome> {
    const { summary: t, failure } = task;
    const cluster = clusterIdOfTask(t);
    const encoded = encodeTransition(t, failure, cluster);
    const taskKey = taskPk(cluster, t.taskId);
    const known = this.known.get(taskKey);
    const update = new ItemUpdate();
    const skipped: [string, AttributeValue, SetMode][] = [];
    const set = (name: string, value: AttributeValue, mode: SetMode) => {
      const stored = known?.get(name);
      if (stored !== undefined && (mode === 'first' || sameValue(stored, value)))
        skipped.push([name, value, mode]);
      else update.set(name, value, mode);
    };
    update.set(encoded.versionAttribute, { M: encoded.version }, 'always');
    for (const [name, value] of Object.entries(encoded.constants)) set(name, value, 'first');
    // createdAt is the same in every version; the event time differs, so only the first one counts.
    const listedAt = listingTime(t);
    const listedBy = t.createdAt === undefined ? 'first' : 'always';
    set(GSI_TASKS_BY_DAY.partitionKey, { S: clusterDayPk(cluster, listedAt) }, listedBy);
    set(GSI_TASKS_BY_DAY.sortKey, { S: listingSk(listedAt, t.taskId) }, listedBy);
    if (failure?.failed) {
      const failedAt = failedListingTime(t);
      const failedBy = t.stoppedAt === undefined ? 'first' : 'always';
      set(GSI_FAILED_BY_MONTH.partitionKey, { S: failedMonthPk(cluster, failedAt) }, failedBy);
      set(GSI_FAILED_BY_MONTH.sortKey, { S: listingSk(failedAt, t.taskId) }, failedBy);
    }
    // A stopped task is kept retentionDays after it stopped; a running one after it was created.
    const stopped = t.lastStatus === 'STOPPED' && t.stoppedAt !== undefined;
    const keptFrom = stopped ? (t.stoppedAt as string) : (t.createdAt ?? t.eventTime);
    set(TTL_ATTRIBUTE, { N: String(this.expiresAt(keptFrom)) }, stopped ? 'always' : 'first');

    let before: Item | undefined;
    try {
      const result = await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: this.taskKey(taskKey),
          ...update.expression(),
          ConditionExpression: 'attribute_not_exists(#a0)',
          // Free of capacity: the item before the update says whether this version is the newest.
          ReturnValues: 'ALL_OLD',
        }),
      );
      before = result.Attributes;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return { transition: 'duplicate', summary: 'stale' };
      throw error;
    }
    const repair = new ItemUpdate();
    const conflicts = conflictingConstants(before, encoded);
    if (Object.keys(conflicts).length > 0) {
      // The version keeps its own values of what the item already holds with others.
      repair.set(`${encoded.versionAttribute}.o`, { M: conflicts }, 'always');
    }
    // The item may have lost what this container knew (TTL deleted it between two events).
    for (const [name, value, mode] of skipped) {
      const stored = before?.[name];
      if (stored === undefined || (mode === 'always' && !sameValue(stored, value))) {
        repair.set(name, value, mode);
      }
    }
    if (!repair.isEmpty()) {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: this.taskKey(taskKey),
          ...repair.expression(),
        }),
      );
    }
    this.remember(taskKey, before, update, repair);
    const newest = storedVersions(before).at(-1);
    return {
      transition: 'stored',
      summary: newest === undefined || newest < t.version ? 'advanced' : 'stale',
    };
  }

  /** Remembers the item's attributes after a write: what it held, then what the write set. */
  private remember(taskKey: string, before: Item | undefined, ...updates: ItemUpdate[]): void {
    const attributes = new Map<string, AttributeValue>();
    for (const [name, value] of Object.entries(before ?? {})) {
      if (!VERSION_ATTRIBUTE.test(name)) attributes.set(name, value);
    }
    for (const update of updates) {
      for (const [name, value, mode] of update.sets) {
        if (name.includes('.') || VERSION_ATTRIBUTE.test(name)) continue;
        if (mode === 'always' || !attributes.has(name)) attributes.set(name, value);
      }
    }
    this.known.set(taskKey, attributes);
  }

  private taskKey(pk: string): Item {
    return {
      [TABLE_KEY.partitionKey]: { S: pk },
      [TABLE_KEY.sortKey]: { S: TASK_SK },
    };
  }

  /**
   * Registers the cluster and adds the UTC day of `listedAt` to its active days (see active-days.ts).
   * `ADD` is a set union, so duplicates and any delivery order leave the same set; lastSeenAt, and the
   * item's TTL with it, only move forward. Usually one UpdateItem: a second one adds the day when lastSeenAt
   * is already as new, and one more prunes days that left the retention window.
   */
  async registerCluster(cluster: ClusterId, seenAt: string, listedAt: string): Promise<void> {
    const day = listedAt.slice(0, 10);
    for (let round = 0; round < MAX_REGISTRATION_ROUNDS; round += 1) {
      const days =
        (await this.advanceCluster(cluster, seenAt, day)) ?? (await this.addActiveDay(cluster, day));
      if (days !== undefined) {
        await this.pruneActiveDays(cluster, days);
        return;
      }
      await this.startLegacyRegistry(cluster, day);
    }
    throw new TracerError(`cluster ${clusterArn(cluster)} could not be registered: its item kept changing`);
  }

  /**
   * Creates the cluster item, or moves its lastSeenAt forward, and adds the day: the active days after the
   * update, or undefined when lastSeenAt is already as new or the item predates the registry.
   */
  private async advanceCluster(
    cluster: ClusterId,
    seenAt: string,
    day: string,
  ): Promise<string[] | undefined> {
    // The TTL counts from the end of the seen day: the item outlives every summary it lists, each of
    // which expires retentionDays after its own last event.
    const seenDayEndMs = toEpochMs(`${seenAt.slice(0, 10)}T00:00:00.000Z`) + MS_PER_DAY;
    const updated = await this.updateCluster(cluster, {
      UpdateExpression:
        'SET #itemType = :itemType, #clusterName = :clusterName, #account = :account, #region = :region, ' +
        '#lastSeenAt = :seenAt, ' +
        '#expiresAt = :expiresAt ADD #activeDays :days',
      ConditionExpression:
        'attribute_not_exists(#pk) OR (attribute_exists(#activeDays) AND #lastSeenAt < :seenAt)',
      ExpressionAttributeNames: {
        '#pk': TABLE_KEY.partitionKey,
        '#itemType': ITEM_TYPE_ATTRIBUTE,
        '#clusterName': 'clusterName',
        '#account': 'account',
        '#region': 'region',
        '#lastSeenAt': 'lastSeenAt',
        '#expiresAt': TTL_ATTRIBUTE,
        '#activeDays': ACTIVE_DAYS_ATTRIBUTE,
      },
      ExpressionAttributeValues: {
        ':itemType': { S: 'cluster' satisfies ItemType },
        ':clusterName': { S: cluster.name },
        ':account': { S: cluster.account },
        ':region': { S: cluster.region },
        ':seenAt': { S: seenAt },
        ':expiresAt': { N: String(expiresAtSeconds(seenDayEndMs, this.options.retentionDays)) },
        ':days': { SS: [day] },
      },
      ReturnValues: 'UPDATED_NEW',
    });
    return updated && activeDaysOf(updated);
  }

  /** Adds the day to an existing registry: the active days after the update, or undefined without one. */
  private async addActiveDay(cluster: ClusterId, day: string): Promise<string[] | undefined> {
    const updated = await this.updateCluster(cluster, {
      UpdateExpression: 'ADD #activeDays :days',
      ConditionExpression: 'attribute_exists(#activeDays)',
      ExpressionAttributeNames: { '#activeDays': ACTIVE_DAYS_ATTRIBUTE },
      ExpressionAttributeValues: { ':days': { SS: [day] } },
      ReturnValues: 'UPDATED_NEW',
    });
    return updated && activeDaysOf(updated);
  }

  /**
   * A cluster item written before the registry existed holds no days, and its tasks were recorded without
   * any, so its registry starts with every day of the retention window up to today: listings walk them
   * all, as they did, until those days age out.
   */
  private async startLegacyRegistry(cluster: ClusterId, day: string): Promise<void> {
    const nowMs = this.options.clock.nowMs();
    const today = utcDay(nowMs);
    const days = daysFromTo(oldestListedDay(nowMs, this.options.retentionDays), day > today ? day : today);
    // Another container may have started it already, or TTL deleted the item: the next round sees which.
    await this.updateCluster(cluster, {
      UpdateExpression: 'ADD #activeDays :days',
      ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#activeDays)',
      ExpressionAttributeNames: { '#pk': TABLE_KEY.partitionKey, '#activeDays': ACTIVE_DAYS_ATTRIBUTE },
      ExpressionAttributeValues: { ':days': { SS: days } },
    });
  }

  /** Drops the days that no listing reads any more, so the set stays about retentionDays long. */
  private async pruneActiveDays(cluster: ClusterId, days: readonly string[]): Promise<void> {
    const stale = prunableDays(days, oldestListedDay(this.options.clock.nowMs(), this.options.retentionDays));
    if (stale.length === 0) return;
    await this.updateCluster(cluster, {
      UpdateExpression: 'DELETE #activeDays :stale',
      ExpressionAttributeNames: { '#activeDays': ACTIVE_DAYS_ATTRIBUTE },
      ExpressionAttributeValues: { ':stale': { SS: stale } },
    });
  }

  /** One UpdateItem of the cluster item: the attributes it returned, or undefined when its condition failed. */
  private async updateCluster(
    cluster: ClusterId,
    update: Pick<
      UpdateItemCommandInput,
      | 'UpdateExpression'
      | 'ConditionExpression'
      | 'ExpressionAttributeNames'
      | 'ExpressionAttributeValues'
      | 'ReturnValues'
    >,
  ): Promise<Item | undefined> {
    try {
      const result = await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: {
            [TABLE_KEY.partitionKey]: { S: CLUSTERS_PK },
            [TABLE_KEY.sortKey]: { S: clusterSk(cluster) },
          },
          ...update,
        }),
      );
      return result.Attributes ?? {};
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  private expiresAt(iso: string): number {
    return expiresAtSeconds(toEpochMs(iso), this.options.retentionDays);
  }
}
