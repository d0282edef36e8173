import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbInstanceStore } from '../../lambda/adapters/dynamodb/dynamodb-instance-store.js';
import { fromItem } from '../../lambda/adapters/dynamodb/items.js';
import { parseEcsEvent } from '../../lambda/core/ecs-event.js';
import { instanceLines } from '../../lambda/core/instance.js';
import { FIXTURE_CLUSTERS } from '../support/clusters.js';
import { createTracerTable, type DynaliteHandle, scanTable, startDynalite } from '../support/dynalite.js';
import { loadEvent } from '../support/fixtures.js';

const RETENTION_DAYS = 30;
const CLUSTER = FIXTURE_CLUSTERS.Features;
const CONTAINER_INSTANCE = '0c304770a74540689f5bf39622b3d781';
const TASK_SPAN = {
  fromMs: Date.parse('2020-06-02T09:15:42.131Z'),
  toMs: Date.parse('2020-06-05T12:17:11.696Z'),
};

let db: DynaliteHandle;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite({ createTable: false });
}, 60_000);
afterAll(async () => {
  await db.stop();
});

async function freshStore() {
  tables += 1;
  const tableName = `instances-${tables}`;
  await createTracerTable(db.client, tableName);
  const store = new DynamoDbInstanceStore({
    client: db.client,
    tableName,
    retentionDays: RETENTION_DAYS,
    clock: { nowMs: () => Date.parse('2020-06-06T00:00:00Z') },
  });
  return { store, tableName };
}

/** Records events as the recorder does: each change, its EC2 mapping, and EC2's notices. */
async function record(store: DynamoDbInstanceStore, events: readonly unknown[]): Promise<void> {
  for (const raw of events) {
    const event = parseEcsEvent(raw);
    if (event.type === 'container-instance-change') {
      await store.recordContainerInstanceChange(event.cluster, event.change);
      const { ec2InstanceId } = event.change;
      if (ec2InstanceId) await store.recordEc2Mapping(event.cluster, { ...event.change, ec2InstanceId });
    } else if (event.type === 'ec2-instance-notice') {
      await store.recordEc2InstanceNotice(event.scope, event.notice);
    }
  }
}

const hostEvents = (name: string) =>
  (loadEvent(name) as unknown as Record<string, unknown>[]).filter(
    (e) => e['detail-type'] !== 'ECS Task State Change',
  );
const sortedItems = async (tableName: string) =>
  (await scanTable(db.client, tableName))
    .map((item) => fromItem(item))
    .sort((a, b) => `${a.pk}${a.sk}`.localeCompare(`${b.pk}${b.sk}`));

describe('DynamoDbInstanceStore against dynalite', () => {
  it('stores the same items whatever the order and however often the events arrive', async () => {
    // Prepare
    const events = hostEvents('host-spot-33a7f27282624543abd4a00c3e84d0ee');
    const inOrder = await freshStore();
    const shuffled = await freshStore();

    // Act
    await record(inOrder.store, events);
    await record(shuffled.store, [...events].reverse());
    await record(shuffled.store, events);

    // Assess
    expect(await sortedItems(shuffled.tableName)).toEqual(await sortedItems(inOrder.tableName));
  }, 60_000);

  it("reads a container instance's changes and its EC2 instance's notices back into INSTANCE lines", async () => {
    // Prepare
    const { store } = await freshStore();
    await record(store, hostEvents('host-spot-33a7f27282624543abd4a00c3e84d0ee'));

    // Act
    const activity = await store.listInstanceActivity(
      CLUSTER,
      CONTAINER_INSTANCE,
      TASK_SPAN.fromMs - 6 * 3_600_000,
      TASK_SPAN.toMs,
    );

    // Assess
    expect(activity && instanceLines(activity, TASK_SPAN).map((l) => l.message)).toEqual([
      'rebalance recommendation (i-0a1b2c3d4e5f60789)',
      'Spot interruption warning (i-0a1b2c3d4e5f60789, action terminate)',
      'DRAINING (i-0a1b2c3d4e5f60789)',
    ]);
  }, 60_000);

  it('finds the EC2 notices through the mapping when no change of the container instance falls in the span', async () => {
    // Prepare
    const { store } = await freshStore();
    const [registered, , spot] = hostEvents('host-spot-33a7f27282624543abd4a00c3e84d0ee');
    await record(store, [registered, spot]);
    const spanMs = Date.parse('2020-06-05T12:16:45Z');

    // Act
    const activity = await store.listInstanceActivity(CLUSTER, CONTAINER_INSTANCE, spanMs, spanMs);

    // Assess
    expect(activity?.changes).toEqual([]);
    expect(activity?.notices.map((n) => n.notice)).toEqual(['spot-interruption-warning']);
  }, 60_000);

  it('knows nothing of a container instance that sent no event', async () => {
    const { store } = await freshStore();
    await record(store, [loadEvent('ec2-spot-instance-interruption-warning_awsdocs')]);

    expect(
      await store.listInstanceActivity(CLUSTER, 'unknown', 0, Date.parse('2030-01-01T00:00:00Z')),
    ).toBeUndefined();
  }, 60_000);
});
