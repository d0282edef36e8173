import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbNotificationLedger } from '../../lambda/adapters/dynamodb/dynamodb-notification-ledger.js';
import { fromItem } from '../../lambda/adapters/dynamodb/items.js';
import { NOTIFY_SK, notificationPk, UNSCOPED_LAYOUT } from '../../lambda/adapters/dynamodb/keys.js';
import { FakeClock } from '../fakes/notify-fakes.js';
import { clusterNamed, TEST_HOME } from '../support/clusters.js';
import { type DynaliteHandle, startDynalite } from '../support/dynalite.js';

const NOW = Date.parse('2021-11-26T17:30:27.070Z');
const LEASE_MS = 60_000;
const DAY_SECONDS = 86_400;

describe('DynamoDbNotificationLedger', () => {
  let db: DynaliteHandle;
  let ledger: DynamoDbNotificationLedger;
  let taskCounter = 0;
  const nextTask = () => {
    taskCounter += 1;
    return `task${taskCounter}`;
  };

  beforeAll(async () => {
    db = await startDynalite();
    ledger = new DynamoDbNotificationLedger({
      client: db.client,
      tableName: db.tableName,
      retentionDays: 90,
      clock: new FakeClock(NOW),
      home: TEST_HOME,
    });
  });

  afterAll(async () => {
    await db.stop();
  });

  async function storedItem(taskId: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await db.client.send(
      new GetItemCommand({
        TableName: db.tableName,
        Key: { pk: { S: notificationPk(clusterNamed('default'), taskId) }, sk: { S: NOTIFY_SK } },
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  it('claims a task that nobody claimed, storing the lease and the TTL in the ledger’s own partition', async () => {
    // Prepare
    const taskId = nextTask();

    // Act
    const claim = await ledger.claimNotification(clusterNamed('default'), taskId, NOW, LEASE_MS);

    // Assess
    expect(claim).toEqual({ outcome: 'claimed' });
    expect(await storedItem(taskId)).toEqual({
      pk: `N#123456789012:us-east-1:default#${taskId}`,
      sk: 'NOTIFY',
      itemType: 'notification',
      clusterName: 'default',
      account: '123456789012',
      region: 'us-east-1',
      taskId,
      state: 'claimed',
      claimedAt: '2021-11-26T17:30:27.070Z',
      leaseUntil: NOW + LEASE_MS,
      expiresAt: Math.floor(NOW / 1000) + 90 * DAY_SECONDS,
    });
  });

  it('refuses a second claim while the lease holds, saying until when', async () => {
    const taskId = nextTask();
    await ledger.claimNotification(clusterNamed('default'), taskId, NOW, LEASE_MS);

    const claim = await ledger.claimNotification(clusterNamed('default'), taskId, NOW + LEASE_MS, LEASE_MS);

    expect(claim).toEqual({ outcome: 'held', leaseUntilMs: NOW + LEASE_MS });
    expect(await ledger.claim(clusterNamed('default'), taskId, NOW + 1, LEASE_MS)).toBe(false);
  });

  it('lets a retry claim again once the lease of a crashed attempt expired', async () => {
    const taskId = nextTask();
    await ledger.claimNotification(clusterNamed('default'), taskId, NOW, LEASE_MS);

    const claim = await ledger.claimNotification(
      clusterNamed('default'),
      taskId,
      NOW + LEASE_MS + 1,
      LEASE_MS,
    );

    expect(claim).toEqual({ outcome: 'claimed' });
    expect((await storedItem(taskId))?.leaseUntil).toBe(NOW + 2 * LEASE_MS + 1);
  });

  it('refuses every claim after markSent, however late', async () => {
    const taskId = nextTask();
    await ledger.claimNotification(clusterNamed('default'), taskId, NOW, LEASE_MS);

    await ledger.markSent(clusterNamed('default'), taskId, NOW + 5_000);

    expect(
      await ledger.claimNotification(
        clusterNamed('default'),
        taskId,
        NOW + 365 * DAY_SECONDS * 1000,
        LEASE_MS,
      ),
    ).toEqual({
      outcome: 'sent',
    });
    expect(await ledger.claim(clusterNamed('default'), taskId, NOW + 1, LEASE_MS)).toBe(false);
    expect(await storedItem(taskId)).toMatchObject({
      state: 'sent',
      sentAt: '2021-11-26T17:30:32.070Z',
      expiresAt: Math.floor((NOW + 5_000) / 1000) + 90 * DAY_SECONDS,
    });
  });

  it('grants exactly one of many concurrent claims', async () => {
    const taskId = nextTask();

    const claims = await Promise.all(
      Array.from({ length: 10 }, () =>
        ledger.claimNotification(clusterNamed('default'), taskId, NOW, LEASE_MS),
      ),
    );

    expect(claims.filter((c) => c.outcome === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.outcome === 'held')).toHaveLength(9);
  });

  it('keeps the claims of different tasks and clusters apart', async () => {
    const taskId = nextTask();
    await ledger.claimNotification(clusterNamed('default'), taskId, NOW, LEASE_MS);

    const other = await ledger.claimNotification(clusterNamed('prod'), taskId, NOW, LEASE_MS);

    expect(other).toEqual({ outcome: 'claimed' });
  });

  async function putEarlierLedgerItem(taskId: string, attributes: Record<string, AttributeValue>) {
    await db.client.send(
      new PutItemCommand({
        TableName: db.tableName,
        Item: { pk: { S: UNSCOPED_LAYOUT.taskPk('default', taskId) }, sk: { S: NOTIFY_SK }, ...attributes },
      }),
    );
  }

  it('keeps a notification sent under the earlier layout sent, and writes nothing', async () => {
    // Prepare
    const taskId = nextTask();
    await putEarlierLedgerItem(taskId, { state: { S: 'sent' } });

    // Act
    const claim = await ledger.claimNotification(clusterNamed('default'), taskId, NOW, LEASE_MS);

    // Assess
    expect(claim).toEqual({ outcome: 'sent' });
    expect(await storedItem(taskId)).toBeUndefined();
  });

  it('respects a claim of the earlier layout while its lease holds', async () => {
    const taskId = nextTask();
    await putEarlierLedgerItem(taskId, {
      state: { S: 'claimed' },
      leaseUntil: { N: String(NOW + LEASE_MS) },
    });

    const claim = await ledger.claimNotification(clusterNamed('default'), taskId, NOW, LEASE_MS);

    expect(claim).toEqual({ outcome: 'held', leaseUntilMs: NOW + LEASE_MS });
    expect(await storedItem(taskId)).toBeUndefined();
  });

  it('claims anew in its own partition once a claim of the earlier layout expired', async () => {
    const taskId = nextTask();
    await putEarlierLedgerItem(taskId, { state: { S: 'claimed' }, leaseUntil: { N: String(NOW - 1) } });

    const claim = await ledger.claimNotification(clusterNamed('default'), taskId, NOW, LEASE_MS);

    expect(claim).toEqual({ outcome: 'claimed' });
    expect(await storedItem(taskId)).toMatchObject({
      pk: `N#123456789012:us-east-1:default#${taskId}`,
      state: 'claimed',
    });
  });

  it('keeps a notification sent under the unscoped layout sent', async () => {
    // Prepare: the ledger item of a home cluster's task, written before keys carried the account.
    const taskId = nextTask();
    await db.client.send(
      new PutItemCommand({
        TableName: db.tableName,
        Item: {
          pk: { S: UNSCOPED_LAYOUT.notificationPk('default', taskId) },
          sk: { S: NOTIFY_SK },
          state: { S: 'sent' },
        },
      }),
    );

    // Act
    const home = await ledger.claimNotification(clusterNamed('default'), taskId, NOW, LEASE_MS);
    const elsewhere = await ledger.claimNotification(
      clusterNamed('default', { account: '222233334444', region: 'us-east-1' }),
      taskId,
      NOW,
      LEASE_MS,
    );

    // Assess: only the home cluster's task was notified before.
    expect(home).toEqual({ outcome: 'sent' });
    expect(elsewhere).toEqual({ outcome: 'claimed' });
  });

  it('rejects when the table does not exist', async () => {
    const missing = new DynamoDbNotificationLedger({
      client: db.client,
      tableName: 'no-such-table',
      retentionDays: 90,
      clock: new FakeClock(NOW),
    });

    await expect(
      missing.claimNotification(clusterNamed('default'), 't', NOW, LEASE_MS),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(missing.markSent(clusterNamed('default'), 't', NOW)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe('DynamoDbNotificationLedger against DynamoDB, which returns the item with a failed condition', () => {
  it('reads the outcome from the returned item without another read', async () => {
    // Prepare
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    mock.on(GetItemCommand).resolves({});
    mock.on(PutItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: { state: { S: 'claimed' }, leaseUntil: { N: String(NOW + LEASE_MS) } },
      }),
    );
    const ledger = new DynamoDbNotificationLedger({
      client,
      tableName: 'tracer',
      retentionDays: 90,
      clock: new FakeClock(NOW),
      home: TEST_HOME,
    });

    // Act
    const claim = await ledger.claimNotification(clusterNamed('default'), 't', NOW, LEASE_MS);

    // Assess
    expect(claim).toEqual({ outcome: 'held', leaseUntilMs: NOW + LEASE_MS });
    // The only reads are of the earlier layouts' items, before the claim.
    expect(mock.commandCalls(GetItemCommand).map((c) => c.args[0].input.Key?.pk)).toEqual([
      { S: 'N#default#t' },
      { S: 'T#default#t' },
    ]);
    expect(mock.commandCalls(PutItemCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'tracer',
      ConditionExpression: 'attribute_not_exists(#pk) OR (#state = :claimed AND #leaseUntil < :now)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    mock.restore();
  });
});
