import { BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { type ClusterId, isHomeCluster } from '../../core/cluster-id.js';
import { type ServiceEvent, toEpochMs } from '../../core/model.js';
import type { ServiceEventStore } from '../../use-cases/ports.js';
import { unprocessedItemsError } from './dynamodb-errors.js';
import {
  expiresAtSeconds,
  fromItem,
  ITEM_TYPE_ATTRIBUTE,
  type Item,
  type ItemType,
  queryLiveRange,
  toItem,
  withoutLayout,
} from './items.js';
import { serviceEventSk, servicePk, TABLE_KEY, TTL_ATTRIBUTE, UNSCOPED_LAYOUT } from './keys.js';
import type { DynamoDbTableOptions } from './table-options.js';

/** The order of the service partition's sort key: createdAt, then the event id. */
function byCreatedAt(a: ServiceEvent, b: ServiceEvent): number {
  const [x, y] = [serviceEventSk(a.createdAt, a.eventId), serviceEventSk(b.createdAt, b.eventId)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** BatchWriteItem takes at most 25 requests. */
const BATCH_SIZE = 25;

/** How the store retries the items that BatchWriteItem left unprocessed (throttling, partition limits). */
export interface BatchRetryOptions {
  /** Attempts per batch, the first included. @default 8 */
  readonly maxAttempts?: number;
  /** Delay before the first retry; doubles each time, with full jitter, up to 5 s. @default 50 */
  readonly baseDelayMs?: number;
  /** Waits between attempts; tests pass one that does not wait. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

const MAX_DELAY_MS = 5_000;

/**
 * Service events (EventBridge service actions and deployments, and DescribeServices copies) in the
 * tracer table, one item per event under the service's partition, sorted by createdAt. Writes are plain
 * puts keyed by the event's identity, so writing an event again changes nothing.
 */
export class DynamoDbServiceEventStore implements ServiceEventStore {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly options: DynamoDbTableOptions,
    retry: BatchRetryOptions = {},
  ) {
    this.maxAttempts = retry.maxAttempts ?? 8;
    this.baseDelayMs = retry.baseDelayMs ?? 50;
    this.sleep = retry.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async putServiceEvents(cluster: ClusterId, events: readonly ServiceEvent[]): Promise<void> {
    // BatchWriteItem rejects a request that names one key twice.
    const byKey = new Map<string, WriteRequest>();
    for (const event of events) {
      const pk = servicePk(cluster, event.serviceName);
      const sk = serviceEventSk(event.createdAt, event.eventId);
      byKey.set(`${pk}\n${sk}`, { PutRequest: { Item: this.toServiceEventItem(event, pk, sk) } });
    }
    const requests = [...byKey.values()];
    for (let start = 0; start < requests.length; start += BATCH_SIZE) {
      await this.writeBatch(requests.slice(start, start + BATCH_SIZE));
    }
  }

  /**
   * For the home cluster, also the service's partition of the unscoped layout (keys.ts), so that events
   * recorded before keys carried the account and region reach traces until `tracer migrate` re-keys them.
   */
  async listServiceEvents(
    cluster: ClusterId,
    serviceName: string,
    fromMs: number,
    toMs: number,
  ): Promise<ServiceEvent[]> {
    if (fromMs > toMs) return [];
    const pks = [servicePk(cluster, serviceName)];
    if (isHomeCluster(cluster, this.options.home)) {
      pks.push(UNSCOPED_LAYOUT.servicePk(cluster.name, serviceName));
    }
    const pages = await Promise.all(
      pks.map((pk) =>
        queryLiveRange(
          { ...this.options, nowMs: this.options.clock.nowMs() },
          pk,
          serviceEventSk(new Date(fromMs).toISOString(), ''),
          // `E#<iso>#<eventId>` sorts below `E#<iso>#\uffff`: the range includes events at exactly toMs.
          serviceEventSk(new Date(toMs).toISOString(), '\uffff'),
        ),
      ),
    );
    // Each item was written from a ServiceEvent by putServiceEvents.
    const events = pages.flatMap((items) =>
      items.map((item) => withoutLayout(fromItem(item)) as unknown as ServiceEvent),
    );
    return pages.length > 1 ? events.sort(byCreatedAt) : events;
  }

  private toServiceEventItem(event: ServiceEvent, pk: string, sk: string): Item {
    return toItem({
      [TABLE_KEY.partitionKey]: pk,
      [TABLE_KEY.sortKey]: sk,
      [ITEM_TYPE_ATTRIBUTE]: 'service-event' satisfies ItemType,
      ...event,
      [TTL_ATTRIBUTE]: expiresAtSeconds(toEpochMs(event.createdAt), this.options.retentionDays),
    });
  }

  /** Writes one batch, retrying unprocessed items with exponential backoff and full jitter. */
  private async writeBatch(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.options.client.send(
        new BatchWriteItemCommand({ RequestItems: { [this.options.tableName]: pending } }),
      );
      pending = result.UnprocessedItems?.[this.options.tableName] ?? [];
      if (pending.length === 0) return;
      if (attempt >= this.maxAttempts) {
        throw unprocessedItemsError(pending.length, requests.length, attempt);
      }
      const capMs = Math.min(MAX_DELAY_MS, this.baseDelayMs * 2 ** (attempt - 1));
      await this.sleep(Math.floor(Math.random() * capMs));
    }
  }
}
