import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbServiceEventStore } from '../../lambda/adapters/dynamodb/dynamodb-service-event-store.js';
import { ThrottledError } from '../../lambda/core/errors.js';
import type { ServiceEvent } from '../../lambda/core/model.js';
import { FIXTURE_CLUSTERS } from '../support/clusters.js';
import { createTracerTable, type DynaliteHandle, scanTable, startDynalite } from '../support/dynalite.js';

const RETENTION_DAYS = 30;

let db: DynaliteHandle;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db.stop();
});

async function freshStore(nowIso: string) {
  tables += 1;
  const tableName = `service-events-${tables}`;
  await createTracerTable(db.client, tableName);
  const clock = { nowMs: Date.parse(nowIso) };
  const store = new DynamoDbServiceEventStore({
    client: db.client,
    tableName,
    retentionDays: RETENTION_DAYS,
    clock: { nowMs: () => clock.nowMs },
  });
  return { store, clock, tableName };
}

function serviceEvent(createdAt: string, eventId: string, serviceName = 'nginx-local'): ServiceEvent {
  return {
    clusterName: 'default',
    serviceName,
    eventId,
    createdAt,
    message: `(service ${serviceName}) has started 1 tasks: (task ${eventId}).`,
    source: 'describe-services',
  };
}

describe('DynamoDbServiceEventStore against dynalite', () => {
  it('lists a service events in a time range, oldest first, both ends included', async () => {
    // Prepare
    const { store } = await freshStore('2021-12-03T03:00:00Z');
    await store.putServiceEvents(FIXTURE_CLUSTERS.default, [
      serviceEvent('2021-12-03T02:22:38.224Z', 'steady'),
      serviceEvent('2021-12-03T02:06:21.664Z', 'started'),
      serviceEvent('2021-12-03T02:05:00.000Z', 'before'),
      serviceEvent('2021-12-03T02:22:28.938Z', 'stopped'),
      serviceEvent('2021-12-03T02:22:38.225Z', 'after'),
      serviceEvent('2021-12-03T02:10:00.000Z', 'other-service', 'api'),
    ]);

    // Act
    const events = await store.listServiceEvents(
      FIXTURE_CLUSTERS.default,
      'nginx-local',
      Date.parse('2021-12-03T02:06:21.664Z'),
      Date.parse('2021-12-03T02:22:38.224Z'),
    );

    // Assess
    expect(events.map((e) => e.eventId)).toEqual(['started', 'stopped', 'steady']);
    expect(events[0]).toEqual(serviceEvent('2021-12-03T02:06:21.664Z', 'started'));
  });

  it('stores an event once however often it is written', async () => {
    const { store, tableName } = await freshStore('2021-12-03T03:00:00Z');
    const event = serviceEvent('2021-12-03T02:06:21.664Z', 'started');

    await store.putServiceEvents(FIXTURE_CLUSTERS.default, [event, event]);
    await store.putServiceEvents(FIXTURE_CLUSTERS.default, [event]);

    expect(await scanTable(db.client, tableName)).toHaveLength(1);
  });

  it('writes more events than one batch holds', async () => {
    const { store } = await freshStore('2021-12-03T03:00:00Z');
    const events = Array.from({ length: 60 }, (_, i) =>
      serviceEvent(new Date(Date.parse('2021-12-03T02:00:00Z') + i * 1000).toISOString(), `e-${i}`),
    );

    await store.putServiceEvents(FIXTURE_CLUSTERS.default, events);

    const listed = await store.listServiceEvents(
      FIXTURE_CLUSTERS.default,
      'nginx-local',
      0,
      Date.parse('2021-12-04T00:00:00Z'),
    );
    expect(listed).toHaveLength(60);
  });

  it('ignores events whose TTL has passed', async () => {
    const { store, clock } = await freshStore('2021-12-03T03:00:00Z');
    await store.putServiceEvents(FIXTURE_CLUSTERS.default, [
      serviceEvent('2021-12-03T02:06:21.664Z', 'started'),
    ]);

    clock.nowMs = Date.parse('2022-01-02T02:06:22Z');

    expect(await store.listServiceEvents(FIXTURE_CLUSTERS.default, 'nginx-local', 0, clock.nowMs)).toEqual(
      [],
    );
  });

  it('returns nothing for an empty range', async () => {
    const { store } = await freshStore('2021-12-03T03:00:00Z');
    await store.putServiceEvents(FIXTURE_CLUSTERS.default, [
      serviceEvent('2021-12-03T02:06:21.664Z', 'started'),
    ]);

    expect(await store.listServiceEvents(FIXTURE_CLUSTERS.default, 'nginx-local', 10, 5)).toEqual([]);
  });
});

describe('DynamoDbServiceEventStore retries unprocessed items', () => {
  function mockedStore(maxAttempts: number) {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    const delays: number[] = [];
    const store = new DynamoDbServiceEventStore(
      { client, tableName: 'tracer', retentionDays: RETENTION_DAYS, clock: { nowMs: () => 0 } },
      {
        maxAttempts,
        sleep: async (ms) => {
          delays.push(ms);
        },
      },
    );
    return { mock, store, delays };
  }

  it('writes the items DynamoDB left unprocessed again until none are left', async () => {
    // Prepare
    const { mock, store, delays } = mockedStore(8);
    mock.on(BatchWriteItemCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => {
      const requests = input.RequestItems.tracer ?? [];
      // DynamoDB throttles the first request and takes the rest.
      return mock.commandCalls(BatchWriteItemCommand).length === 1
        ? { UnprocessedItems: { tracer: requests.slice(1) } }
        : { UnprocessedItems: {} };
    });

    // Act
    await store.putServiceEvents(FIXTURE_CLUSTERS.default, [
      serviceEvent('2021-12-03T02:06:21.664Z', 'a'),
      serviceEvent('2021-12-03T02:06:22.664Z', 'b'),
      serviceEvent('2021-12-03T02:06:23.664Z', 'c'),
    ]);

    // Assess
    const calls = mock.commandCalls(BatchWriteItemCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input.RequestItems?.tracer).toHaveLength(3);
    expect(calls[1]?.args[0].input.RequestItems?.tracer).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });

  it('fails with ThrottledError when items stay unprocessed after every attempt', async () => {
    const { mock, store } = mockedStore(3);
    mock.on(BatchWriteItemCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => ({
      UnprocessedItems: input.RequestItems,
    }));

    await expect(
      store.putServiceEvents(FIXTURE_CLUSTERS.default, [serviceEvent('2021-12-03T02:06:21.664Z', 'a')]),
    ).rejects.toThrow(ThrottledError);
    expect(mock.commandCalls(BatchWriteItemCommand)).toHaveLength(3);
  });

  it('writes nothing for no events', async () => {
    const { mock, store } = mockedStore(3);

    await store.putServiceEvents(FIXTURE_CLUSTERS.default, []);

    expect(mock.commandCalls(BatchWriteItemCommand)).toHaveLength(0);
  });
});
